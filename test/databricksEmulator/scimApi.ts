/** The signed-in user as SCIM 2.0 `GET /api/2.0/preview/scim/v2/Me` returns it. */
export interface ScimUser {
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  emails: { value: string; type: string; primary: boolean }[];
  groups: { display: string; value: string }[];
  schemas: string[];
}

export function scimMe(userName: string, displayName: string): ScimUser {
  return {
    id: '4805427135826419',
    userName,
    displayName,
    active: true,
    emails: [{ value: userName, type: 'work', primary: true }],
    groups: [{ display: 'users', value: '1000000000000001' }],
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User'],
  };
}

"""The training data: scikit-learn's diabetes dataset, which ships with the library (no download)."""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

SEED = 42


def load_data(test_size: float = 0.2, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Returns X_train, X_test, y_train, y_test; the same split for the same seed."""
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1 (exclusive), got {test_size}")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=test_size, random_state=seed)

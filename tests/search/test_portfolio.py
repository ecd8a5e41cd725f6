"""Greedy portfolios, plain and similarity-weighted."""
import numpy as np
import pytest

from sklearn_meta.search.portfolio import greedy_portfolio


def _scores() -> np.ndarray:
    # tasks 0-2 like candidate 0, task 3 alone likes candidate 2; candidate 1 is a compromise
    return np.array([[1.0, 0.7, 0.0],
                     [1.0, 0.7, 0.0],
                     [1.0, 0.7, 0.0],
                     [0.0, 0.7, 1.0]])


def test_plain_portfolio_covers_most_tasks_first():
    assert greedy_portfolio(_scores(), 2) == [0, 2]
    # NaN (not evaluated) counts as the worst score
    M = _scores()
    M[:, 0] = np.nan
    assert greedy_portfolio(M, 1) == [1]


def test_weights_bring_a_similar_tasks_favourite_forward():
    w = np.array([0.01, 0.01, 0.01, 1.0])
    assert greedy_portfolio(_scores(), 1, weights=w)[0] == 2
    # uniform weights are the plain portfolio
    assert greedy_portfolio(_scores(), 3, weights=np.ones(4)) == greedy_portfolio(_scores(), 3)


@pytest.mark.parametrize("w", [np.ones(3), -np.ones(4), np.zeros(4), np.array([1, np.nan, 1, 1])])
def test_bad_weights_are_refused(w):
    with pytest.raises(ValueError, match="weights"):
        greedy_portfolio(_scores(), 2, weights=w)

"""Checkpoint averaging for the KL runs: element-wise means, refusal of mismatched checkpoints."""

from __future__ import annotations

import numpy as np
import pytest

from training.average_kl_checkpoints import average_weights


def test_average_is_the_element_wise_mean_and_keeps_dtypes():
    first = [np.array([[1.0, 2.0]], np.float32), np.array([4.0], np.float32)]
    second = [np.array([[3.0, 6.0]], np.float32), np.array([8.0], np.float32)]
    averaged = average_weights([first, second])
    np.testing.assert_array_equal(averaged[0], [[2.0, 4.0]])
    np.testing.assert_array_equal(averaged[1], [6.0])
    assert all(a.dtype == np.float32 for a in averaged)


@pytest.mark.parametrize("other", [
    [np.zeros((1, 2), np.float32)],  # one weight missing
    [np.zeros((2, 2), np.float32), np.zeros(1, np.float32)],  # another shape
])
def test_checkpoints_of_another_architecture_are_refused(other):
    first = [np.zeros((1, 2), np.float32), np.zeros(1, np.float32)]
    with pytest.raises(ValueError, match="differ in architecture"):
        average_weights([first, other])
    with pytest.raises(ValueError, match="no checkpoints"):
        average_weights([])

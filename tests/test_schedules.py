"""learning_rates: the table every engine trains with equals Keras's own schedule."""

from __future__ import annotations

import numpy as np
import pytest

from banknote_gd import available_schedules, learning_rates, make_schedule


@pytest.mark.parametrize("name", [n for n in available_schedules() if n != "constant"])
@pytest.mark.parametrize("rate", [0.05, 30.0])
def test_table_equals_keras_schedule_stepped_one_update_at_a_time(name, rate):
    total = 40
    schedule = make_schedule(name, rate, total)
    expected = np.array([float(schedule(t)) for t in range(total)], dtype=np.float32)
    np.testing.assert_allclose(learning_rates(name, rate, total), expected, rtol=1e-6)

"""Benchmark: the band of a mean over seeds, seaborn's bootstrap vs ``bgd.BootstrapCI``.

Run from a checkout with the data cached::

    python benchmarks/bench_plots.py

Seaborn's ``errorbar=("ci", 95)`` resamples each point of a line in a Python loop, one of
its 1,000 resamples at a time; :class:`banknote_gd.BootstrapCI` draws them all at once. In
one run on one machine this trains a sweep the lessons draw (batch sizes 4, 16, 64 and 256,
10 seeds, 10 epochs, against updates) and draws its training loss with
``seaborn.lineplot`` both ways, alternating, three times each; it prints the medians, their
ratio and the time per point of the lines, and checks that the two bands are the same
numbers (they are for an even number of seeds). Wall-clock seconds on a shared machine:
read the ratio, measured side by side.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("BANKNOTE_GD_PROGRESS", "0")


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import seaborn as sns

    import banknote_gd as bgd

    frame = bgd.sweep({"batch_size": [4, 16, 64, 256]}, seeds=10, epochs=10)
    rows = frame[(frame["split"] == "train") & (frame["metric"] == "loss")]
    points = rows.groupby(["batch_size", "step"]).ngroups
    ways = {"seaborn errorbar=('ci', 95)": dict(errorbar=("ci", 95), seed=0)}
    ways["bgd.BootstrapCI(95)"] = dict(errorbar=bgd.BootstrapCI(95))
    times: dict[str, list[float]] = {name: [] for name in ways}
    bands = {}
    for _ in range(3):
        for name, kwargs in ways.items():
            figure, ax = plt.subplots()
            start = time.perf_counter()
            sns.lineplot(data=rows, x="step", y="value", hue="batch_size", ax=ax, **kwargs)
            times[name].append(time.perf_counter() - start)
            bands[name] = [c.get_paths()[0].vertices.copy() for c in ax.collections]
            plt.close(figure)
    same = all(np.allclose(a, b, rtol=1e-12, atol=0) for a, b in zip(*bands.values()))
    print(f"band of the mean over 10 seeds, {points} points of 4 lines (median of 3 draws):")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, seconds in medians.items():
        print(f"  {name:30} {seconds:6.2f} s   {1000 * seconds / points:6.2f} ms per point")
    slow, fast = medians.values()
    print(
        f"  speed-up {slow / fast:.0f}x; the bands are the same numbers: {'yes' if same else 'NO'}"
    )


if __name__ == "__main__":
    main()

"""The ``banknote-gd`` command line: fetch the data, run a sweep, manage the cache.

Examples
--------
.. code-block:: console

    $ banknote-gd data
    $ banknote-gd sweep learning_rate=0.01,0.05,0.1,0.5 batch_size=16 --seeds 10 \\
          --epochs 10 --out sweep.csv --plot sweep.png
    $ banknote-gd options
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .frames import SPLITS
from .parameters import PARAMETER_TABLE
from .plots import X_LABELS
from .training import ENGINES

__all__ = ["main"]

# PARAMETER=VALUES types come from the one parameter table.

_EPILOG = """\
examples:
  banknote-gd data
      download the data once (or check the cached copy) and print where it is
  banknote-gd data --from ../shared/data
      copy a local copy into the cache (for machines with no network)
  banknote-gd sweep learning_rate=0.01,0.05,0.1,0.5 batch_size=16 --seeds 10 --epochs 10 \\
      --out sweep.csv --plot sweep.png
      the course's learning-rate sweep: 4 rates x 10 seeds, saved and plotted
  banknote-gd sweep batch_size=16,32,64,128 --seeds 10 --plot batch.png --x step
  banknote-gd sweep optimizer=sgd,momentum,adam learning_rate=0.01,0.1 --seeds 5
  banknote-gd sweep optimizer=sgd,adam learning_rate=0.01,0.1,1 --seeds 20 --workers 2
      the same kind of sweep on 2 local processes (--scheduler tcp://HOST:8786: on Dask)
  banknote-gd options
      list the optimizers, schedules and parameters a sweep accepts
  banknote-gd lessons course
      write the lessons as notebooks into the folder course/ (edited copies are kept)
"""


def parse_assignments(items: Sequence[str]) -> dict[str, list]:
    """Turn ``["learning_rate=0.01,0.1", "batch_size=16"]`` into a grid dict.

    Raises
    ------
    ValueError
        Naming the item, the parameter and what is allowed.

    Examples
    --------
    >>> parse_assignments(["learning_rate=0.01,0.1", "standardize=false"])
    {'learning_rate': [0.01, 0.1], 'standardize': [False]}
    """
    grid: dict[str, list] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not text.strip():
            raise ValueError(
                f"{item!r} is not of the form PARAMETER=VALUE[,VALUE...], "
                f"for example learning_rate=0.01,0.1."
            )
        if name not in PARAMETER_TABLE:
            raise ValueError(
                f"unknown parameter {name!r} in {item!r}; allowed: {', '.join(PARAMETER_TABLE)}."
            )
        if name in grid:
            raise ValueError(f"parameter {name!r} is given twice.")
        parameter = PARAMETER_TABLE[name]
        values = []
        for part in text.split(","):
            part = part.strip()
            try:
                values.append(parameter.parse(part))
            except ValueError:
                kind = parameter.type
                expected = "true or false" if kind is bool else f"a {kind.__name__}"
                raise ValueError(f"{name} takes {expected}; {part!r} in {item!r} is not.") from None
        grid[name] = values
    return grid


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="banknote-gd",
        description="Gradient-descent experiments on the UCI banknote-authentication data.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    data = sub.add_parser("data", help="download or check the data file and print where it is")
    data.add_argument(
        "--from",
        dest="source",
        metavar="PATH",
        help="copy this local copy of the file (or folder holding it) into the cache",
    )
    data.add_argument(
        "--data-home",
        metavar="DIR",
        help="cache folder (default: $BANKNOTE_GD_DATA or the per-user cache)",
    )

    sw = sub.add_parser(
        "sweep",
        help="train every combination of the given values for several seeds",
        description=(
            "Train every combination of the parameter values for every seed, print the final "
            "loss and accuracy per configuration, and optionally save the long results table "
            "and a figure. Parameters: "
            + "; ".join(f"{n} ({p.help})" for n, p in PARAMETER_TABLE.items())
            + "."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sw.set_defaults(subparser=sw)
    sw.add_argument(
        "assignments",
        nargs="+",
        metavar="PARAMETER=VALUES",
        help="e.g. learning_rate=0.01,0.05,0.1 (comma-separated values; one value fixes it)",
    )
    sw.add_argument(
        "--seeds",
        type=int,
        default=5,
        metavar="N",
        help="number of seeds per configuration (default 5)",
    )
    sw.add_argument(
        "--epochs", type=int, default=None, metavar="N", help="epochs per run (default 10)"
    )
    sw.add_argument(
        "--out",
        metavar="FILE",
        help="write the results to FILE (.csv or .parquet); an existing FILE is resumed",
    )
    sw.add_argument("--fresh", action="store_true", help="overwrite --out instead of resuming it")
    sw.add_argument("--plot", metavar="PNG", help="save the loss and accuracy figure to PNG")
    sw.add_argument(
        "--hue",
        metavar="PARAMETER",
        help="one line per value of this parameter (default: the first with several values)",
    )
    sw.add_argument(
        "--x",
        choices=tuple(X_LABELS),
        default="epoch",
        help="x-axis of the figure: epochs or updates (default epoch)",
    )
    sw.add_argument(
        "--split",
        choices=(*SPLITS, "both"),
        default="train",
        help="which split the figure shows (default train)",
    )
    sw.add_argument("--log-y", action="store_true", help="logarithmic loss axis")
    sw.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="training engine (default auto)",
    )
    where = sw.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="train on N local worker processes (default 1: in this process)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="train on the Dask cluster whose scheduler is at ADDRESS, e.g. "
        "tcp://10.0.0.5:8786 (needs banknote-gd[dask])",
    )
    sw.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sw.add_argument(
        "--no-cache",
        action="store_true",
        help="do not use the on-disk result cache even if BANKNOTE_GD_CACHE is set",
    )

    sub.add_parser("options", help="list the optimizers, schedules and sweep parameters")

    explorer = sub.add_parser(
        "explorer-data",
        help="train the site explorer's grid and write its summary (grid.json, grid.f32)",
        description=(
            "Train every configuration of the explorer's grid (banknote_gd.explorer) with "
            "sweep, resumably, and write the per-configuration summary the site's explorer "
            "page reads into the folder OUT."
        ),
    )
    explorer.add_argument("out", metavar="OUT", help="folder for grid.json and grid.f32")
    explorer.add_argument(
        "--runs",
        metavar="DIR",
        help="folder of each optimizer's summary, kept to resume from (default OUT/runs)",
    )
    explorer.add_argument(
        "--grid", choices=("full", "small"), default="full", help="which grid (default full)"
    )
    explorer.add_argument(
        "--workers", type=int, default=1, metavar="N", help="local worker processes (default 1)"
    )
    explorer.add_argument(
        "--scheduler", metavar="ADDRESS", help="train on the Dask cluster at ADDRESS instead"
    )
    explorer.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    lessons = sub.add_parser(
        "lessons",
        help="write the course's lessons as Jupyter notebooks into a folder",
        description=(
            "Write every lesson as an unexecuted Jupyter notebook (NN_name.ipynb) into DIR. "
            "Notebooks you changed are kept unless --force is given."
        ),
    )
    lessons.add_argument("directory", metavar="DIR", help="folder for the notebooks")
    lessons.add_argument(
        "--force", action="store_true", help="overwrite notebooks that differ (your edits)"
    )

    cache = sub.add_parser("cache", help="show or clear the on-disk cache of sweep results")
    cache.add_argument("action", choices=("info", "clear"))
    return parser


def _summary(frame) -> str:
    from .frames import CONFIG_COLUMNS

    last = frame[frame["epoch"] == frame["epochs"]]
    varying = [c for c in CONFIG_COLUMNS if frame[c].nunique() > 1] or ["optimizer"]
    table = last.pivot_table(
        index=[*varying, "seed"], columns=["split", "metric"], values="value", dropna=False
    )
    means = table.groupby(level=varying).agg(["mean", "std"])
    lines = ["final values, mean (sd) over seeds:"]
    names = "  ".join(f"{v:>13}" for v in varying)
    lines.append(f"{names}  {'train loss':>16}  {'test accuracy':>16}  diverged")
    diverged = last.groupby(varying)["diverged"].any()
    runs = frame.groupby([*varying, "seed"])["diverged"].first().groupby(level=varying).sum()
    for key, row in means.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        loss = f"{row[('train', 'loss', 'mean')]:.4f} ({row[('train', 'loss', 'std')]:.4f})"
        acc = f"{row[('test', 'accuracy', 'mean')]:.4f} ({row[('test', 'accuracy', 'std')]:.4f})"
        n_div = int(runs.loc[key if len(key) > 1 else key[0]]) if diverged.any() else 0
        lines.append(f"{'  '.join(f'{v!s:>13}' for v in key)}  {loss:>16}  {acc:>16}  {n_div}")
    return "\n".join(lines)


@contextlib.contextmanager
def _executor(args):
    """None, a local process pool (--workers) or a Dask cluster's executor (--scheduler)."""
    from .executors import dask_executor, local_pool

    if args.scheduler:
        client, executor = dask_executor(args.scheduler)
        with client:
            yield executor
    elif args.workers > 1:
        with local_pool(args.workers) as pool:
            yield pool
    else:
        yield None


def _sweep(args, parser) -> int:
    from . import sweep

    try:
        grid = parse_assignments(args.assignments)
    except ValueError as error:
        parser.error(str(error))
    hue = args.hue or next((k for k, v in grid.items() if len(v) > 1), next(iter(grid)))
    if hue not in PARAMETER_TABLE:
        parser.error(f"--hue must be one of {', '.join(PARAMETER_TABLE)}, got {hue!r}.")
    if args.plot:
        plot_path = Path(args.plot)
        if plot_path.suffix.lower() not in (".png", ".svg", ".pdf"):
            parser.error(f"--plot must end in .png, .svg or .pdf, got {args.plot!r}.")
        if not plot_path.parent.expanduser().is_dir():
            parser.error(f"the folder of --plot {args.plot!r} does not exist; create it first.")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}.")
    with _executor(args) as executor:
        frame = sweep(
            grid,
            seeds=args.seeds,
            epochs=args.epochs,
            engine=args.engine,
            progress=False if args.no_progress else None,
            out=args.out,
            resume=not args.fresh,
            cache=False if args.no_cache else None,
            executor=executor,
        )
    print(_summary(frame))
    if args.out:
        print(f"results: {args.out} ({len(frame)} rows)")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plots import plot_sweep

        grid_plot = plot_sweep(frame, hue=hue, x=args.x, split=args.split, log_y=args.log_y)
        grid_plot.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        plt.close(grid_plot.figure)
        print(f"figure: {args.plot}")
    return 0


def _lessons(directory: str, *, force: bool) -> int:
    from .lessons import write_lessons

    result = write_lessons(directory, force=force)
    for path in result.written:
        print(f"wrote {path}")
    if result.unchanged:
        print(f"{len(result.unchanged)} notebook(s) in {result.directory} already up to date")
    if result.kept:
        names = ", ".join(path.name for path in result.kept)
        print(
            f"banknote-gd: kept {len(result.kept)} notebook(s) in {result.directory} that "
            f"differ from the lessons (your edits?): {names}. To overwrite them, run "
            f"`banknote-gd lessons {directory} --force` (copy them elsewhere first to keep "
            "your changes), or write the lessons into another folder.",
            file=sys.stderr,
        )
        return 1
    return 0


def _explorer_data(args) -> int:
    from .explorer import GRIDS, explorer_data

    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}.")
    grid = GRIDS[args.grid]
    runs = f"{grid.n_configs} configurations x {len(grid.seeds)} seeds = {grid.n_runs} runs"
    print(f"explorer: {runs} of {grid.epochs} epochs")
    with _executor(args) as executor:
        path = explorer_data(
            args.out,
            grid=grid,
            runs_dir=args.runs,
            executor=executor,
            progress=False if args.no_progress else None,
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in (path, path.with_name(meta["values"])))
    print(f"explorer data: {path.parent} ({size / 1e6:.2f} MB) in {meta['seconds']} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv
        The arguments (without the program name); ``sys.argv[1:]`` when ``None``.

    Examples
    --------
    >>> main(["options"])  # doctest: +SKIP
    """
    # TensorFlow's C++ start-up log lines say nothing a user of this command needs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (ValueError, TypeError, OSError, ImportError) as error:
        print(f"banknote-gd: error: {error}", file=sys.stderr)
        return 2


def _data(args) -> int:
    from .data import data_path, seed_data_cache

    path = (
        seed_data_cache(args.source, data_home=args.data_home)
        if args.source
        else data_path(data_home=args.data_home)
    )
    print(f"data file: {path}\nSHA-256 verified: {path.stat().st_size} bytes")
    return 0


def _options(args) -> int:
    from .optimizers import OPTIMIZERS
    from .schedules import SCHEDULES
    from .training import PARAMETERS

    print("optimizers (default learning rate):")
    for spec in OPTIMIZERS.values():
        note = "" if spec.vectorized else "  [model.fit engine]"
        print(f"  {spec.name:<14}{spec.default_learning_rate:<8g}{spec.description}{note}")
    print("schedules:")
    for sched in SCHEDULES.values():
        print(f"  {sched.name:<14}{sched.description}")
    print("sweep parameters (default):")
    for name, default in PARAMETERS.items():
        shown = "optimizer's default" if default is None else default
        print(f"  {name:<14}{shown}")
    return 0


def _cache(args) -> int:
    from .cache import cache_dir, clear_cache

    if args.action == "clear":
        print(f"removed {clear_cache()} cached sweep result(s) from {cache_dir()}")
    else:
        entries = list(cache_dir().glob("*.parquet")) if cache_dir().is_dir() else []
        print(f"{cache_dir()}: {len(entries)} cached sweep result(s)")
    return 0


# Each subcommand's function (the parser, _parser(), declares their arguments).
_COMMANDS = {
    "data": _data,
    "sweep": lambda args: _sweep(args, args.subparser),
    "options": _options,
    "explorer-data": _explorer_data,
    "lessons": lambda args: _lessons(args.directory, force=args.force),
    "cache": _cache,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Entry point of the `sklearn-meta` console script."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from .. import __version__
from ..datasets import DatasetError

# Sub-command modules; each exposes ``register(subparsers)``.
_COMMAND_MODULES = (
    "sklearn_meta.cli.datasets_cmd",
    "sklearn_meta.cli.demo",
    "sklearn_meta.cli.bench_cmd",
    "sklearn_meta.cli.meta_train",
    "sklearn_meta.cli.build_kb",
    "sklearn_meta.cli.suggest_cmd",
    "sklearn_meta.cli.kb_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklearn-meta",
        description="Meta-learning for scikit-learn: meta-features, task embeddings, "
                    "meta-learned initializations and warm-started search.")
    parser.add_argument("--version", action="version", version=f"sklearn-meta {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # an optional command not in this build
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = getattr(args, "handler", None) or args.func
        return int(handler(args) or 0)
    except (DatasetError, ValueError, FileNotFoundError) as exc:
        print(f"sklearn-meta {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `sklearn-meta datasets show iris | head -1`: not an error
        try:
            sys.stdout = open(os.devnull, "w")  # Python's exit flush would fail again
        except OSError:
            pass
        return 0
    except OSError as exc:  # e.g. a file where a folder is needed, no permission, disk full
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        print(f"sklearn-meta {args.command}: error: {exc.strerror or exc}{where}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nsklearn-meta {args.command}: interrupted. Long jobs (meta-train, build-kb) "
              f"keep what they checkpointed: rerun the same command to resume.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

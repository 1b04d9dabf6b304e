"""Progress reports of long fits (the ``verbose`` parameter).

One convention for every estimator that iterates: ``verbose=0`` prints
nothing, ``verbose=1`` about ten lines a fit (and the last one), ``verbose>=2``
one line an iteration. Each line starts with the estimator's name in square
brackets, as scikit-learn's own estimators do, and is printed to standard
output with ``flush=True`` so that it appears while the fit runs.
"""

from __future__ import annotations

from ._validation import check_number

__all__ = ["Progress", "check_verbose"]


def check_verbose(verbose, *, owner):
    """``verbose`` as a non-negative int (``True`` counts as 1); a
    ``ValueError`` that names it otherwise."""
    if isinstance(verbose, bool):
        return int(verbose)
    check_number(verbose, "verbose", owner=owner, integer=True, low=0)
    return int(verbose)


class Progress:
    """Reporter for one fit of ``total`` steps (``None``: unknown).

    ``step(i, message)`` prints ``[owner] message`` when ``verbose`` asks for
    step ``i`` (1-based); ``say(message)`` prints a line (a start or a
    summary) whenever ``verbose > 0``.
    """

    def __init__(self, verbose, owner, total=None):
        self.verbose = int(verbose)
        self.owner = owner
        self.total = total
        self._every = 1 if self.verbose >= 2 or not total else max(1, total // 10)

    def wants(self, i):
        """Whether step ``i`` is reported."""
        if self.verbose <= 0:
            return False
        return self.verbose >= 2 or i % self._every == 0 or i == self.total or i == 1

    def step(self, i, message):
        if self.wants(i):
            of = f"/{self.total}" if self.total else ""
            self.emit(f"{i}{of}: {message}")

    def say(self, message):
        if self.verbose > 0:
            self.emit(message)

    def emit(self, message):
        print(f"[{self.owner}] {message}", flush=True)

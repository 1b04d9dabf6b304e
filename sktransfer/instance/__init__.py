"""Instance reweighting: weight source rows so that they look like target rows."""

from ._kmm import KMM

__all__ = ["KMM"]

"""Feature alignment: map source and target rows into a common space."""

from ._coral import CORAL

__all__ = ["CORAL"]

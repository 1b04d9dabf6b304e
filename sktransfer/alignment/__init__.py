"""Feature alignment: map source and target rows into a common space."""

from ._coral import CORAL
from ._tca import TCA

__all__ = ["CORAL", "TCA"]

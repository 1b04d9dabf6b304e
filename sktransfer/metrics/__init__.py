"""Label-free diagnostics of a domain shift.

:func:`mmd`, :func:`proxy_a_distance` and :func:`coral_distance` measure how
far apart the source and the target rows are, before and after an adaptation
(see ``docs/diagnostics.md``).
"""

from ._shift import coral_distance, mmd, proxy_a_distance

__all__ = ["coral_distance", "mmd", "proxy_a_distance"]

"""Safe adaptation: :class:`AutoAdapter` adapts only when the evidence says
it helps, and keeps the source model otherwise. The decision rules are
functions of its cross-validation table (:func:`decide_label_free`,
:func:`decide_with_target_labels`)."""

from ._auto_adapter import AutoAdapter
from ._decision import decide_label_free, decide_with_target_labels

__all__ = ["AutoAdapter", "decide_label_free", "decide_with_target_labels"]

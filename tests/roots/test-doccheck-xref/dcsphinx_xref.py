"""Docstrings with Sphinx roles next to init claims (a Sphinx test root of doccheck)."""

import torch
from torch import nn
from torch.nn import init


class Projection(nn.Module):
    r"""A bias-free projection used by :class:`Encoder`.

    Attributes:
        weight: of shape :math:`(\text{out\_features}, \text{in\_features})`, initialized from
            :math:`\mathcal{N}(0, 1)`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        init.normal_(self.weight)


class Encoder(nn.Module):
    r"""Encodes with a :class:`Projection`; :attr:`weight` is its own matrix.

    See :func:`torch.nn.init.ones_` and :meth:`Projection.forward`.

    Attributes:
        weight: the learnable weights, initialized to ones. Compare :attr:`Projection.weight`.
    """

    def __init__(self, features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(features, features))
        init.ones_(self.weight)

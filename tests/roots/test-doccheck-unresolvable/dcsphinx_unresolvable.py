"""A layer initialized through a helper doccheck has no rule for (a Sphinx test root of doccheck)."""

import torch
from torch import nn


def mystery_init_(tensor):
    """An in-place initializer built on a call doccheck cannot follow."""
    with torch.no_grad():
        return tensor.copy_(torch.linalg.qr(torch.randn_like(tensor))[0])


class QrOrthogonal(nn.Module):
    r"""A square map with weights from a QR decomposition.

    Attributes:
        weight: initialized from :math:`\mathcal{N}(0, \frac{1}{\text{features}})`
    """

    def __init__(self, features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(features, features))
        mystery_init_(self.weight)

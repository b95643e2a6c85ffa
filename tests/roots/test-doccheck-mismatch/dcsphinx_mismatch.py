"""A layer whose docstring names the wrong fan (a Sphinx test root of doccheck)."""

import math

import torch
from torch import nn
from torch.nn import init


class WideDense(nn.Module):
    r"""A dense layer meant for very wide outputs.

    Attributes:
        weight: the learnable weights of shape :math:`(\text{out\_features}, \text{in\_features})`,
            initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where :math:`k = \frac{1}{\text{out\_features}}`
        bias: the learnable bias, initialized to zeros.
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        init.zeros_(self.bias)

"""Layers whose docstrings state exactly what the code does (a Sphinx test root of doccheck)."""

import math

import torch
from torch import nn
from torch.nn import init


class Dense(nn.Module):
    r"""An affine map :math:`y = x W^T + b`.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample

    Attributes:
        weight: the learnable weights of shape :math:`(\text{out\_features}, \text{in\_features})`,
            initialized from :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where :math:`k = \frac{1}{\text{in\_features}}`
        bias: the learnable bias of shape :math:`(\text{out\_features})`, initialized from
            :math:`\mathcal{U}(-\sqrt{k}, \sqrt{k})`, where :math:`k = \frac{1}{\text{in\_features}}`
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.in_features)
        init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Scale(nn.Module):
    """A learnable per-channel gain; its docstring says nothing about how it starts out.

    Args:
        channels: number of channels
    """

    def __init__(self, channels):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return x * self.gain


class NotALayer:
    """A plain class without parameters: no table."""

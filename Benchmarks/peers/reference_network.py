"""PROTOCOL.md's reference network in PyTorch, with either head (import after torch is known
to be installed: common.import_or_skip("torch")).

conv 3×3 32 (same) → ReLU → max-pool 2 → conv 3×3 64 (same) → ReLU → max-pool 2 → flatten (3136)
→ dropout 0.5 → dense: 10 logits (softmax head) or 64 then L2-normalised (embedding head).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

HEADS = ("softmax", "embedding")


class ReferenceNetwork(nn.Module):
    def __init__(self, head="softmax", classes=10, dimension=64):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {head}")
        self.head = head
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(64 * 7 * 7, classes if head == "softmax" else dimension)

    def features(self, x):
        """The backbone's 3136 features (after the dropout, which is active in training mode)."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.dropout(torch.flatten(x, 1))

    def forward(self, x):
        x = self.dense(self.features(x))
        return x if self.head == "softmax" else F.normalize(x, dim=1)

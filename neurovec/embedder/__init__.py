"""Self-supervised per-neuron embeddings trained with VICReg."""

from ._estimator import NeuronVICRegEmbedder
from ._loss import vicreg_loss

__all__ = ["NeuronVICRegEmbedder", "vicreg_loss"]

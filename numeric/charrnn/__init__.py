"""The article's application: a character-level RNN trained with truncated BPTT.

- ``vocab``: the characters and their one-hot encoding (``Vocab``, ``DEFAULT_TEXT``);
- ``model``: a trained model and its loss history (``CharModel``, ``TrainHistory``);
- ``train``: the training loop (``train``, ``TrainConfig``); ``sample``: sampling text;
- ``files``: model files (``save_model``, ``load_model``).
"""

from .files import load_model, save_model
from .model import CharModel, TrainHistory
from .sample import sample
from .train import TrainConfig, TrainResult, train
from .vocab import DEFAULT_TEXT, Vocab

__all__ = ["CharModel", "DEFAULT_TEXT", "TrainConfig", "TrainHistory", "TrainResult", "Vocab", "load_model",
           "sample", "save_model", "train"]

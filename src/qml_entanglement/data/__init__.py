"""Datasets, one loader per ``dataset`` option (:mod:`qml_entanglement.config.datasets`)."""

from .datasets import Dataset, load_dataset

__all__ = ["Dataset", "load_dataset"]

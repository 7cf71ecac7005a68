"""Datasets, one loader per ``conf/dataset`` option."""

from .datasets import LOADERS, Dataset, load_dataset

__all__ = ["LOADERS", "Dataset", "load_dataset"]

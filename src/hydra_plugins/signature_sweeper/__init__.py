"""Hydra's basic sweeper, validating a sweep by composing one job per composition signature
(``hydra/sweeper=signature``, the default in ``conf/train.yaml``); see :mod:`.sweeper`.

``hydra_plugins`` is a namespace package (no ``__init__.py``), so Hydra finds this plugin next
to those installed in site-packages. Nothing is imported here: Hydra's plugin scan imports, and
registers, ``.sweeper`` itself.
"""

"""The pictures: which picture draws which data (gallery), the DataFrames they draw (frames,
step_views), the Vega-Lite charts, and each picture in words (descriptions). Its modules load on first use
(`nnlab.pictures.X` works without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})

"""Where a run's data comes from: the lessons' and the 2-D sets' loaders, real tables and uploaded
CSVs, and data a student draws. The folder also holds the files nnlab ships: the heart-failure table
and the lectures. Its modules load on first use
(`nnlab.data.X` works without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})

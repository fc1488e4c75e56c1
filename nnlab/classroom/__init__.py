"""The class in the loop: challenges and their rules, polls, lectures and their pacing, and the class
database they share. Its modules load on first use
(`nnlab.classroom.X` works without importing X).
"""

from nnlab.lazy import exports

__getattr__, __dir__ = exports(__name__, {})

"""Errors meant for people: each message is a sentence a student can act on."""


class NnlabError(Exception):
    """Base class for every error nnlab shows to a user."""


class ConfigError(NnlabError, ValueError):
    """A setting is out of range or names something nnlab does not know."""


class DataError(NnlabError, ValueError):
    """A dataset could not be loaded or read (bad file, missing download, unusable target)."""


class WeightsError(NnlabError, ValueError):
    """A weights file cannot be brought back: not one, damaged, or of another network; the message says which."""


class ClassError(NnlabError):
    """A class challenge refused something (a rule, a closed challenge, a wrong key) or its
    database cannot be reached; the message says which."""

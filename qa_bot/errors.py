"""Exceptions whose messages tell the user what is wrong and what to do."""


class QaBotError(Exception):
    """Base class: the message is one or two sentences meant for the user."""


class SettingsError(QaBotError):
    """A setting (flag, environment variable, argument) has a value qa-bot cannot use."""


class QuestionError(QaBotError):
    """The question is empty, too long or otherwise unusable."""


class CorpusError(QaBotError):
    """The corpus folder is missing, unreadable or holds no readable article."""


class IndexStoreError(QaBotError):
    """The index cannot be written, read, or reached (folder permissions, Chroma server down)."""


class ModelError(QaBotError):
    """The embedding model or the optional LLM cannot be loaded or reached."""


class ClusterError(QaBotError):
    """The Ray cluster cannot be reached, or the indexing work on it failed."""

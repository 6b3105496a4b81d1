"""Layer wrappers: TimeDistributed, Bidirectional."""

__all__ = []

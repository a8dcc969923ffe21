"""The scoring domain: scheme model, fact vocabulary and pure scoring rules.

Nothing here knows about storage, HTTP or the CLI; imports point inward only.
"""

"""Visualisation components.

mmvssl's VISUALIZERS / VISBACKENDS registries look here first and then in
mmaction2's (their parent), so ``visualizer=dict(type='ActionVisualizer')``
works under ``default_scope='mmvssl'``.
"""

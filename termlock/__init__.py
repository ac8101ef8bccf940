"""termlock: glossary-locked machine translation and terminology QA.

Layers, each importing only lower ones (docs/DESIGN.md, enforced by
tests/test_layers.py): glossary; documents and corpora; translate and
evaluate (evaluate never imports translate, so checking works without torch
or transformers); jobs; engines; commands; cli.
"""

__version__ = "0.2.0"

"""termlock: glossary-locked machine translation and terminology QA.

Layers, each importing only the ones before it:
glossary -> translate -> evaluate is *not* a chain: evaluate depends on the
glossary alone, so checking works without torch or transformers installed.
"""

__version__ = "0.1.0"

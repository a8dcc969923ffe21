"""The texts people read, one catalog per language, looked up by key (pure data and lookups).

`en` holds the English the engine and the commands write (notes, grade reasons, errors,
problem titles); `zh` holds the Simplified Chinese for every one of those keys and the
labels of the pages. `catalog.text(key)` looks a text up; `catalog.translate(family, english)`
renders a stored English line in Chinese: the English template is turned into a pattern,
its values are read back, and the Chinese template of the same key is filled with them.
The stored English is never changed (it is part of sealed bytes).

To add texts: put the English template in en.py (only for text the code writes in English),
the Chinese under the same key in zh/, and run tests/texts.
"""

from domain.texts.catalog import Glossary, text, translate, translate_message

__all__ = ["Glossary", "text", "translate", "translate_message"]

"""The one jieba tokenizer of the process, initialised lazily (on first use), with its log silenced.

The lexical index (``search/segment.py``) and the explanations (``explain.py``) both cut with it, so
the dictionary is loaded once and both sides see the same words.
"""

from __future__ import annotations

import logging
import threading

_lock = threading.Lock()
_tokenizer = None


def jieba_tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer

"""Chinese segmentation for the lexical side.

Index tokens are jieba's ``cut_for_search`` words plus every CJK character and character bigram,
so a query that is a sub-word of a longer dictionary word still matches (农业 finds
中国农业发展银行, 内涝 finds 城市内涝监测). Query terms are the jieba words plus the bigrams
inside long words (see ``query_terms``). jieba is the process's one tokenizer (``tokenizer.py``).
"""

from __future__ import annotations

import functools
import re

from matchmaking.tokenizer import jieba_tokenizer

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.strip().lower() for w in jieba_tokenizer().cut_for_search(text) if _WORD.search(w)]


def _grams(text: str, unigrams: bool) -> list[str]:
    out: list[str] = []
    for run in _CJK.findall(text):
        if unigrams or len(run) == 1:
            out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def index_tokens(text: str) -> list[str]:
    """Tokens to index for one text field (duplicates kept: they carry term frequency)."""
    if not text:
        return []
    return [t for t in _words(text) if " " not in t] + _grams(text, unigrams=True)


QUERY_CACHE = 4096  # query texts whose terms are remembered (a demand's matches ask with the same text)


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in order: jieba's words, plus the bigrams inside words of three
    or more characters (bigrams across word boundaries would only add noise). Single characters
    count only when the query has nothing else (then its character bigrams, or the character).
    Remembered per text (the dictionary is fixed for the process)."""
    if not text:
        return []
    return list(_query_terms(text))


@functools.lru_cache(maxsize=QUERY_CACHE)
def _query_terms(text: str) -> tuple[str, ...]:
    terms: list[str] = []
    for word in _words(text):
        if " " in word:
            continue
        if _CJK.fullmatch(word):
            if len(word) == 1:
                continue
            terms.append(word)
            if len(word) >= 3:
                terms.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            terms.append(word)
    # characters jieba left on their own (names and jargon it does not know, e.g. 占/道): their
    # bigrams, so 占道 still matches
    run = ""
    for token in list(jieba_tokenizer().cut(text)) + [" "]:
        if len(token) == 1 and _CJK.fullmatch(token):
            run += token
            continue
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        run = ""
    if not terms:
        terms = _grams(text, unigrams=False)
    return tuple(dict.fromkeys(terms))


def segmented(text: str) -> str:
    """Space-joined index tokens, ready for a lexical text field (``lexical.py`` splits them again as
    FTS5's ``unicode61`` did: on punctuation, lower-cased)."""
    return " ".join(index_tokens(text))

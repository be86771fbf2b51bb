"""Regenerates sentencepiece_vectors.json: extra SentencePiece reference vectors for spiece.model in this folder (a copy
of the public golden tokenizer/spiece.model, sha256 0cff360f...2ac7, kept here so the vectors never depend on which
golden folder MPT_GOLDEN_DIR selects).

Reference: Python sentencepiece 0.1.97 (Debian bookworm package python3-sentencepiece 0.1.97-3+b1), the version
the golden set was made with. Run from the repository root with Debian's interpreter:
    /usr/bin/python3 tests/Mpt.Tests/Tokenization/Data/make_sentencepiece_vectors.py tests/Mpt.Tests/Tokenization/Data/spiece.model
The strings stress what the golden strings cover only lightly: runs of one character (equal-score ties between
segmentations, e.g. '-' * 19), random concatenations of vocabulary pieces, random mixes of whitespace, controls,
NFKC-affected and unknown characters, and random BMP text.
"""
import json
import random
import sys

import sentencepiece as spm

model = sys.argv[1]
out_path = sys.argv[2] if len(sys.argv) > 2 else "tests/Mpt.Tests/Tokenization/Data/sentencepiece_vectors.json"
sp = spm.SentencePieceProcessor(model_file=model)
pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
rnd = random.Random(1234)
alphabet = list("aeiou-_.=0123456789xyz ") + ["\t", "\n", "\u00a0", "\u3000", "é", "ß", "日", "😀", "\u0007",
                                               "\u007f", "\u0000", "ﬁ", "Ａ", "▁", "<", ">", "/"]
texts = []
for n in range(1, 40):
    for c in "-=._0a1x9 ":
        texts.append(c * n)
for _ in range(1000):
    k = rnd.randint(1, 12)
    texts.append("".join(rnd.choice(pieces[3:]).replace("\u2581", " " if rnd.random() < 0.7 else "") for _ in range(k)))
for _ in range(1000):
    texts.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))))
for _ in range(300):
    texts.append("".join(chr(rnd.randint(32, 0x2FFF)) for _ in range(rnd.randint(1, 15))))
vectors = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str), "decoded": sp.decode(sp.encode(t))}
           for t in texts]
meta = {"sentencepiece_version": spm.__version__, "model": "spiece.model (this folder)", "count": len(vectors),
        "generator": "tests/Mpt.Tests/Tokenization/Data/make_sentencepiece_vectors.py (seed 1234)"}
with open(out_path, "w", encoding="utf-8") as f:
    json.dump({"meta": meta, "vectors": vectors}, f, ensure_ascii=False, separators=(",", ":"))
print(len(vectors), "vectors ->", out_path)

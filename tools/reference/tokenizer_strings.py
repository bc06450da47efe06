# SPDX-License-Identifier: GPL-3.0-or-later
"""The strings on which our tokenizers must give the reference's ids.

Deterministic: the same list on every run, so goldens only change when this
file does. Hand-written samples cover each hard case once; seeded random
mixes of them make up the rest of the at least 2,000 strings."""
import random
import re

SCRIPTS = [
    "The quick brown fox jumps over the lazy dog.",
    "What is shown in the second image, and how does it differ from the first?",
    "Describe the image in detail.",
    "我们在图片中看到了什么？请详细描述。",
    "東京タワーは夜になるとライトアップされます。",
    "한국어 문장도 토큰화해야 합니다.",
    "هذه الصورة تظهر مدينة قديمة على ضفاف النهر.",
    "התמונה מציגה חתול שיושב על החלון.",
    "यह चित्र एक पुराने मंदिर का है।",
    "ภาพนี้แสดงตลาดน้ำในกรุงเทพ",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "Ça coûte 12,50 € — à peu près.",
    "Größenänderung: Straße, Maß, Fußgänger.",
    "ქართული ენა ლამაზია.",
    "Հայերեն տեքստ",
    "ᚠᚢᚦᚨᚱᚲ runes",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝒮𝒸𝓇𝒾𝓅𝓉",
]

EMOJI = [
    "😀", "👍🏽", "👩‍👩‍👧‍👦", "🧑🏿‍🚀", "❤️", "🏳️‍🌈", "🇩🇪🇯🇵🇧🇷", "🤷‍♀️", "1️⃣", "🫠",
    "I love this 😍 so much!!!", "Flags: 🇺🇸 🇫🇷 🇨🇳", "cat 🐈‍⬛ and dog 🐕",
]

COMBINING = [
    "e\u0301", "n\u0303o", "a\u0308\u0304", "Z\u0351\u0364\u0358a\u0362\u0341l\u0315g\u0360o",
    "\u1100\u1161\u11a8", "ค\u0e49\u0e33", "क्\u200dष", "\u05d0\u05b8", "cafe\u0301 vs café",
]

CONTROL = [
    "tab\there", "bell\x07ring", "null\x00byte", "esc\x1b[31m", "\x7fdelete", "form\x0cfeed",
    "vertical\x0btab", "carriage\rreturn", "zero\u200bwidth", "bidi\u202eoverride",
    "bom\ufeffinside", "nbsp\u00a0space", "ideographic\u3000space", "line\u2028sep",
    "soft\u00adhyphen", "\ufffd replacement",
]

WHITESPACE = [
    "", " ", "  ", "\n", "\n\n", "\t", " \n ", "   leading", "trailing   ", "  both  ",
    "a  b   c    d", "line one\nline two\n", "\r\n", "a\r\nb", " \t \n\t ", "word\n\n\n\nword",
    "    indented code", "x" + " " * 17 + "y",
]

NUMBERS = [
    "0", "7", "42", "123", "1234", "12345", "3.14159", "1,000,000", "-17", "+4.5e-10",
    "2026-11-26", "09:15:00", "0x1F", "1st 2nd 3rd 4th", "٣٤٥", "१२३", "½ ¾ ⅓", "Ⅻ", "①②③",
    "999999999999999999999", "v1.5", "VILA1.5-3b", "Llama-3-VILA1.5-8B", "NVILA-8B",
]

CODE = [
    "def f(x):\n    return x ** 2\n",
    "int main (void) { return 0; }",
    "for (int i = 0; i < n; i++) sum += a[i];",
    "SELECT * FROM messages WHERE id = 3;",
    "<div class=\"x\">&amp;</div>",
    "{\"role\": \"user\", \"content\": [1, 2, 3]}",
    "x = y if z else w  # comment",
    "fn main() -> Result<(), Box<dyn Error>> {}",
    "$ ls -la ~/models | grep VILA",
    "a_b_c __init__ camelCaseName snake_case_name",
    "```python\nprint('hi')\n```",
]

URLS = [
    "https://huggingface.co/Efficient-Large-Model/VILA1.5-3b",
    "http://example.com/path?q=1&r=two#frag",
    "mailto:someone@example.org",
    "file:///home/user/Pictures/IMG_0001.JPG",
    "www.gnome.org/apps",
]

APOSTROPHES = [
    "don't", "I'm", "we've", "they're", "she'll", "he'd", "it's", "DON'T", "I'M", "You'Re",
    "rock 'n' roll", "'quoted'", "o'clock", "’curly’ quotes", "\"double\"",
]

SPECIAL_IN_TEXT = [
    "<s>", "</s>", "<unk>", "Hello <s> world", "end</s>", "</s>start", "a</s>b<s>c",
    "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
    "<|im_start|>user\nhi<|im_end|>", "<|endoftext|>", "<image>", "before <image> after",
    "<image>\n<image>\nCompare them.", "<s><s></s></s>", " <s> ", "<s >", "< s>", "<|im_end|>\n",
]

PUNCT = [
    "!!!", "???", "...", "…", "—", "–", "-", "«guillemets»", "„Anführung“", "「括弧」",
    "(parentheses)", "[brackets]", "{braces}", "a/b\\c", "@#$%^&*", "~`|", "▁", "▁▁x", "x▁y",
    " ▁ ", "Ġ", "Ċ", "ĠĠ",
]

# The conversation templates of vila-format.md section 5, with images.
VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")
LLAMA3_SYSTEM = ("You are a helpful language and vision assistant. You are able to understand "
                 "the visual content that the user provides, and assist the user with a variety "
                 "of tasks using natural language.")
QUESTIONS = [
    "Please describe the image in detail.",
    "What is different between these two pictures?",
    "How many people are there?\nAnswer with a number.",
    "Wie viele Katzen sind auf dem Bild?",
    "图中有几只猫？",
]


def template_prompts():
    prompts = []
    for q in QUESTIONS:
        for images in ("<image>\n", "<image>\n<image>\n", "<image><image>", ""):
            prompts.append(f"{VICUNA_SYSTEM} USER: {images}{q} ASSISTANT:")
            prompts.append(f"{VICUNA_SYSTEM} USER: {images}{q} ASSISTANT: It is a cat.</s>USER: Why? ASSISTANT:")
            prompts.append(f"USER: {images}{q} ASSISTANT:")
            prompts.append(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                f"{LLAMA3_SYSTEM}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                f"{images}{q}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
            prompts.append(
                "<|im_start|>system\nAnswer the questions.<|im_end|><|im_start|>user\n"
                f"{images}{q}<|im_end|><|im_start|>assistant\n")
            prompts.append(
                "<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\n"
                f"{images}{q}<|im_end|>\n<|im_start|>assistant\n")
    # In-context examples in raw mode, and the README's literal backslash-n.
    prompts.append("<image>The company is famous for its search engine.<image>The company is famous for")
    prompts.append("<image>\\n Please describe the traffic condition.")
    return prompts


def all_strings(minimum=2000, seed=20261126):
    groups = [SCRIPTS, EMOJI, COMBINING, CONTROL, WHITESPACE, NUMBERS, CODE, URLS,
              APOSTROPHES, SPECIAL_IN_TEXT, PUNCT]
    base = [s for g in groups for s in g] + template_prompts()
    pieces = [s for g in groups for s in g]
    joiners = ["", " ", "  ", "\n", " \n", "\t", ", ", ". ", "\n\n", "   "]

    rng = random.Random(seed)
    strings = list(base)
    seen = set(strings)
    while len(strings) < minimum:
        n = rng.randint(1, 5)
        parts = [rng.choice(pieces) for _ in range(n)]
        text = parts[0]
        for p in parts[1:]:
            text += rng.choice(joiners) + p
        if rng.random() < 0.15:
            text = " " * rng.randint(1, 3) + text
        if rng.random() < 0.15:
            text = text + rng.choice([" ", "\n", "  ", "\t"])
        if rng.random() < 0.1:
            # A random cut, as a stream might deliver: possibly mid-word.
            text = text[: rng.randint(0, len(text))]
        if text not in seen:
            seen.add(text)
            strings.append(text)
    return strings


def training_corpus():
    """Text to train the small vocabularies on: our samples plus English
    prose from Python's own docstrings (only the trained files are kept)."""
    import pydoc
    import importlib
    lines = []
    for name in ["os", "re", "json", "random", "string", "textwrap", "collections",
                 "itertools", "functools", "pathlib", "argparse", "logging", "unittest",
                 "email", "http", "urllib", "xml", "sqlite3", "asyncio", "datetime",
                 "statistics", "fractions", "decimal", "difflib", "inspect", "typing"]:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        text = pydoc.render_doc(module, renderer=pydoc.plaintext)
        # Object addresses differ from run to run; the corpus must not.
        text = re.sub(r"0x[0-9a-fA-F]{6,}", "0x0", text)
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    groups = [SCRIPTS, EMOJI, COMBINING, WHITESPACE, NUMBERS, CODE, URLS, APOSTROPHES, PUNCT]
    samples = [s for g in groups for s in g] + template_prompts()
    for _ in range(30):
        lines.extend(s.replace("\n", " ") for s in samples if s.strip())
    return lines

"""Golden cases for Specs/ShapesTasks.md (shapes VQA and captioning: geometry, rasterisation, relations,
question answers, reference captions, the caption parser and the metrics).

An independent Python implementation of the Spec's deterministic rules. Rasterisation does not scan lines:
each pixel centre is tested against the shape (distance for discs, box bounds for squares, three half-planes
for triangles). No pixel centre lies on a triangle edge for the Spec's integer geometry (the edges cross
sample lines at quarter-pixel offsets), so the two methods agree exactly. Words come from gen_TextNormalization.

Run from the package root: .venv-golden/bin/python GoldenData/_generators/gen_ShapesTasks.py
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import SpecError, case, generator_source, write_file  # noqa: E402
from gen_TextNormalization import normalize  # noqa: E402

SPEC = "ShapesTasks"
PROGRAM = "GoldenData/_generators/gen_ShapesTasks.py"

SHAPES = ["circle", "square", "triangle"]
COLORS = ["red", "green", "blue", "yellow"]
SIZES = {"small": 12, "large": 20}
RELATIONS = ["left of", "right of", "above", "below"]
NUMBER = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SIZE = 64


def obj(shape, color, size, column, row):
    return {"shape": shape, "color": color, "size": size, "column": column, "row": row}


def check_scene(objects):
    if not isinstance(objects, list) or not objects:
        raise SpecError("invalid_argument")
    cells = set()
    for o in objects:
        for key in ("shape", "color", "size", "column", "row"):
            if key not in o:
                raise SpecError("missing_input")
        if o["shape"] not in SHAPES or o["color"] not in COLORS or o["size"] not in SIZES:
            raise SpecError("invalid_argument")
        if o["column"] not in (0, 1, 2) or o["row"] not in (0, 1, 2):
            raise SpecError("invalid_argument")
        cells.add((o["column"], o["row"]))
    if len(cells) != len(objects):
        raise SpecError("invalid_argument")


def center(o):
    """ShapesTasks-1."""
    return 11 + 21 * o["column"], 11 + 21 * o["row"]


def covers(o, px, py):
    """ShapesTasks-2: whether the pixel centre (px + 0.5, py + 0.5) lies in the object."""
    cx, cy = center(o)
    s = SIZES[o["size"]]
    h = s / 2
    x, y = px + 0.5, py + 0.5
    if o["shape"] == "square":
        return cx - h <= px < cx + h and cy - h <= py < cy + h
    if o["shape"] == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= h * h
    # Apex-up triangle: below the base line, and inside both slanted edges (slope 2).
    verts = [(cx, cy - h), (cx + h, cy + h), (cx - h, cy + h)]
    def side(a, b):
        return (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0])
    signs = [side(verts[i], verts[(i + 1) % 3]) for i in range(3)]
    return all(v > 0 for v in signs) or all(v < 0 for v in signs)


def render(objects):
    image = [["white"] * SIZE for _ in range(SIZE)]
    for o in objects:
        for py in range(SIZE):
            for px in range(SIZE):
                if covers(o, px, py):
                    image[py][px] = o["color"]
    return image


def holds(relation, a, b):
    """ShapesTasks-3."""
    return {"left of": a["column"] < b["column"], "right of": a["column"] > b["column"],
            "above": a["row"] < b["row"], "below": a["row"] > b["row"]}[relation]


def only(objects, pred):
    found = [o for o in objects if pred(o)]
    if len(found) != 1:
        raise SpecError("invalid_argument")
    return found[0]


def answer(objects, q):
    """ShapesTasks-4 .. -8: (text, answer, references)."""
    check_scene(objects)
    t = q.get("type")
    if t == "color":
        o = only(objects, lambda o: o["shape"] == q["shape"])
        return f"what color is the {q['shape']}?", o["color"], [o["color"]]
    if t == "shape":
        o = only(objects, lambda o: o["color"] == q["color"])
        return f"what shape is the {q['color']} object?", o["shape"], [o["shape"]]
    if t == "count":
        if q["by"] == "shape":
            n = sum(o["shape"] == q["shape"] for o in objects)
            text = f"how many {q['shape']}s are there?"
        else:
            n = sum(o["color"] == q["color"] for o in objects)
            text = f"how many {q['color']} objects are there?"
        return text, str(n), [str(n), NUMBER[n]]
    if t == "position":
        if (q["shape"], q["color"]) == (q["other_shape"], q["other_color"]):
            raise SpecError("invalid_argument")
        a = only(objects, lambda o: (o["shape"], o["color"]) == (q["shape"], q["color"]))
        b = only(objects, lambda o: (o["shape"], o["color"]) == (q["other_shape"], q["other_color"]))
        text = f"is the {q['color']} {q['shape']} {q['relation']} the {q['other_color']} {q['other_shape']}?"
        a_ = "yes" if holds(q["relation"], a, b) else "no"
        return text, a_, [a_]
    if t == "exists":
        a_ = "yes" if any(o["shape"] == q["shape"] and o["color"] == q["color"] for o in objects) else "no"
        return f"is there a {q['color']} {q['shape']}?", a_, [a_]
    raise SpecError("invalid_argument")


def reading(objects):
    return sorted(objects, key=lambda o: (o["row"], o["column"]))


def groups(objects, key):
    out: dict = {}
    for o in objects:
        out.setdefault(key(o), []).append(o)   # dicts keep insertion order
    return list(out.values())


def phrase(n, words, shape):
    return f"a {words} {shape}" if n == 1 else f"{NUMBER[n]} {words} {shape}s"


def captions(objects):
    """ShapesTasks-9."""
    check_scene(objects)
    r = reading(objects)
    brief = f"a {r[0]['color']} {r[0]['shape']}"
    objs = " and ".join(phrase(len(g), g[0]["color"], g[0]["shape"])
                        for g in groups(r, lambda o: (o["color"], o["shape"])))
    gs = groups(r, lambda o: (o["size"], o["color"], o["shape"]))
    parts = [phrase(len(g), f"{g[0]['size']} {g[0]['color']}", g[0]["shape"]) for g in gs]
    if len(gs) >= 2 and len(gs[0]) == 1 and len(gs[1]) == 1:
        a, b = gs[0][0], gs[1][0]
        if a["column"] != b["column"]:
            rel = "left of" if a["column"] < b["column"] else "right of"
        else:
            rel = "above" if a["row"] < b["row"] else "below"
        parts = [f"{parts[0]} {rel} {parts[1]}"] + parts[2:]
    return brief, objs, " and ".join(parts)


QUANT = {"a": 1, "an": 1, **{NUMBER[n]: n for n in range(1, 10)}}
PLURAL = {s + "s": s for s in SHAPES}


def parse(caption):
    """ShapesTasks-10: (objects [{shape, color, size}], relations [[i, rel, j]], ignored)."""
    words = normalize(caption)[1]
    objects, relations, ignored = [], [], []
    pend = {}            # kind -> (value, position)
    pending_rel = None   # (relation, index of the last object before it)

    def drop():
        for _, pos in sorted(pend.values(), key=lambda v: v[1]):
            ignored.append(words[pos])
        pend.clear()

    i = 0
    while i < len(words):
        w = words[i]
        kind = "q" if w in QUANT else "s" if w in SIZES else "c" if w in COLORS else None
        if kind:
            if kind in pend:
                ignored.append(words[pend[kind][1]])
            value = QUANT[w] if kind == "q" else w
            pend[kind] = (value, i)
        elif w in SHAPES or w in PLURAL:
            shape = PLURAL.get(w, w)
            room = 9 - len(objects)
            if room <= 0:
                drop()
                ignored.append(w)
            else:
                n = pend["q"][0] if "q" in pend else 1
                start = len(objects)
                for _ in range(min(n, room)):
                    objects.append({"shape": shape, "color": pend["c"][0] if "c" in pend else None,
                                    "size": pend["s"][0] if "s" in pend else None})
                if pending_rel is not None:
                    relations.append([pending_rel[1], pending_rel[0], start])
                    pending_rel = None
                pend.clear()
        elif w in ("above", "below") or (w in ("left", "right") and i + 1 < len(words) and words[i + 1] == "of"):
            drop()
            rel = w if w in ("above", "below") else f"{w} of"
            if objects:
                pending_rel = (rel, len(objects) - 1)
            if w in ("left", "right"):
                i += 1
        elif w == "and":
            drop()
        else:
            ignored.append(w)
        i += 1
    drop()
    return objects, relations, ignored


def vqa_metrics(predictions, references, categories):
    """ShapesTasks-11."""
    if not predictions and not references:
        raise SpecError("empty")
    if len(predictions) != len(references) or len(categories) != len(references):
        raise SpecError("shape_mismatch")
    scores = [1.0 if any(normalize(p)[1] == normalize(r)[1] for r in refs) else 0.0
              for p, refs in zip(predictions, references)]
    return scores, per_category(scores, categories)


def per_category(scores, categories):
    names = list(dict.fromkeys(categories))
    means = [sum(s for s, c in zip(scores, categories) if c == n) / categories.count(n) for n in names]
    return sum(scores) / len(scores), names, means


def object_match(prediction, reference):
    """ShapesTasks-12: (recall, precision)."""
    pred = parse(prediction)[0]
    ref = parse(reference)[0]
    free = [True] * len(ref)
    def spec_count(o):
        return (o["color"] is not None) + (o["size"] is not None)
    order = sorted(range(len(pred)), key=lambda k: (-spec_count(pred[k]), k))
    matched = 0
    for k in order:
        p = pred[k]
        for j, r in enumerate(ref):
            if free[j] and r["shape"] == p["shape"] and p["color"] in (None, r["color"]) and p["size"] in (None, r["size"]):
                free[j] = False
                matched += 1
                break
    recall = matched / len(ref) if ref else 0.0
    precision = matched / len(pred) if pred else 0.0
    return recall, precision


def caption_metrics(predictions, detailed, categories):
    if not predictions and not detailed:
        raise SpecError("empty")
    if len(predictions) != len(detailed) or len(categories) != len(detailed):
        raise SpecError("shape_mismatch")
    pairs = [object_match(p, d) for p, d in zip(predictions, detailed)]
    recalls = [p[0] for p in pairs]
    precisions = [p[1] for p in pairs]
    return recalls, precisions, per_category(recalls, categories), per_category(precisions, categories)


# ---------------------------------------------------------------- cases

def color_counts(image):
    names = COLORS + ["white"]
    return [sum(row.count(n) for row in image) for n in names]


def main():
    cases = []

    def add(cid, eq, comment, inputs, fn):
        try:
            expected = fn()
            cases.append(case(cid, eq, comment, inputs, expected))
        except SpecError as e:
            cases.append(case(cid, eq, comment, inputs, {"error": e.kind}, flags=["error"]))

    # ---- render (ShapesTasks-1 geometry probes, ShapesTasks-2 pixel counts)
    def render_case(cid, eq, comment, objects, probes):
        def fn():
            check_scene(objects)
            image = render(objects)
            return {"color_counts": color_counts(image), "probe_colors": [image[y][x] for x, y in probes]}
        add(cid, eq, comment, {"form": "render", "objects": objects, "probes": probes}, fn)

    for size in SIZES:
        for shape in SHAPES:
            o = obj(shape, "blue", size, 1, 1)
            s = SIZES[size]
            lo, hi = 32 - s // 2, 32 + s // 2 - 1
            render_case(f"geometry-{size}-{shape}", "ShapesTasks-1",
                        f"{size} {shape} in the middle cell: centre (32, 32), box [{lo}, {hi + 1}); probes at the centre, "
                        "the box corners and just outside",
                        [o], [[32, 32], [lo, lo], [hi, hi], [lo, hi], [hi, lo], [lo - 1, 32], [hi + 1, 32], [32, lo - 1], [32, hi + 1]])
    render_case("geometry-corner-cells", "ShapesTasks-1",
                "large squares in the four corner cells reach the canvas border minus one pixel",
                [obj("square", "red", "large", 0, 0), obj("square", "green", "large", 2, 0),
                 obj("square", "blue", "large", 0, 2), obj("square", "yellow", "large", 2, 2)],
                [[0, 0], [1, 1], [63, 63], [62, 62], [21, 1], [42, 1], [20, 20]])
    full = [obj(SHAPES[(c + r) % 3], COLORS[(c + 2 * r) % 4], ["small", "large"][(c * r) % 2], c, r)
            for r in range(3) for c in range(3)]
    render_case("raster-full-grid", "ShapesTasks-2", "nine objects, every shape, colour and size; centre probes",
                full, [list(center(o)) for o in full])
    for shape in SHAPES:
        for size in SIZES:
            render_case(f"raster-{shape}-{size}", "ShapesTasks-2", f"one {size} {shape}: pixel count",
                        [obj(shape, "red", size, 2, 1)], [list(center(obj(shape, "red", size, 2, 1)))])
    render_case("error-shared-cell", "ShapesTasks-1", "two objects in one cell",
                [obj("circle", "red", "small", 1, 1), obj("square", "blue", "small", 1, 1)], [])
    render_case("error-outside-grid", "ShapesTasks-1", "column 3 is outside the grid", [obj("circle", "red", "small", 3, 0)], [])
    render_case("error-unknown-color", "ShapesTasks-1", "purple is not in the palette", [obj("circle", "purple", "small", 0, 0)], [])
    render_case("error-no-objects", "ShapesTasks-1", "a scene needs an object", [], [])
    render_case("error-missing-size", "ShapesTasks-1", "an object without a size",
                [{"shape": "circle", "color": "red", "column": 0, "row": 0}], [])

    # ---- answers
    def answer_case(cid, eq, comment, objects, q):
        def fn():
            text, a, refs = answer(objects, q)
            return {"text": text, "answer": a, "references": refs}
        add(cid, eq, comment, {"form": "answer", "objects": objects, "question": q}, fn)

    scene = [obj("circle", "red", "large", 0, 0), obj("square", "blue", "small", 2, 0),
             obj("triangle", "green", "small", 0, 2), obj("circle", "yellow", "small", 1, 1)]
    answer_case("color-square", "ShapesTasks-4", "the only square is blue", scene, {"type": "color", "shape": "square"})
    answer_case("color-triangle", "ShapesTasks-4", "the only triangle is green", scene, {"type": "color", "shape": "triangle"})
    answer_case("color-ambiguous", "ShapesTasks-4", "two circles: not a unique referent", scene, {"type": "color", "shape": "circle"})
    answer_case("shape-yellow", "ShapesTasks-5", "the only yellow object is a circle", scene, {"type": "shape", "color": "yellow"})
    answer_case("shape-missing", "ShapesTasks-5", "two red objects: not a unique referent",
                scene + [obj("square", "red", "small", 2, 2)], {"type": "shape", "color": "red"})
    answer_case("count-circles", "ShapesTasks-6", "two circles", scene, {"type": "count", "by": "shape", "shape": "circle"})
    answer_case("count-blue", "ShapesTasks-6", "one blue object", scene, {"type": "count", "by": "color", "color": "blue"})
    answer_case("count-yellow", "ShapesTasks-6", "one yellow object", scene, {"type": "count", "by": "color", "color": "yellow"})
    answer_case("count-none", "ShapesTasks-6", "no green object: 0 / zero", [obj("circle", "red", "small", 0, 0)],
                {"type": "count", "by": "color", "color": "green"})
    def relation_cases(prefix, eq, comment, objects, first, second):
        for rel in RELATIONS:
            q = {"type": "position", "shape": first[0], "color": first[1], "relation": rel,
                 "other_shape": second[0], "other_color": second[1]}
            answer_case(f"{prefix}-{rel.replace(' ', '-')}", eq, comment, objects, q)

    relation_cases("position", "ShapesTasks-7",
                   "red circle at (0,0), blue square at (2,0): left of yes, same row so above/below no",
                   scene, ("circle", "red"), ("square", "blue"))
    relation_cases("tie-column", "ShapesTasks-3", "same column: neither left nor right (strict); above by row",
                   [obj("circle", "red", "small", 1, 0), obj("square", "blue", "large", 1, 2)], ("circle", "red"), ("square", "blue"))
    relation_cases("diagonal", "ShapesTasks-3", "diagonal: the green square is left of and below the yellow triangle",
                   [obj("triangle", "yellow", "small", 2, 0), obj("square", "green", "small", 0, 1)],
                   ("square", "green"), ("triangle", "yellow"))
    answer_case("position-same-object", "ShapesTasks-7", "both descriptions name the same object", scene,
                {"type": "position", "shape": "circle", "color": "red", "relation": "above",
                 "other_shape": "circle", "other_color": "red"})
    answer_case("position-absent", "ShapesTasks-7", "no red square", scene,
                {"type": "position", "shape": "square", "color": "red", "relation": "above",
                 "other_shape": "circle", "other_color": "red"})
    answer_case("exists-yes", "ShapesTasks-8", "a green triangle exists", scene, {"type": "exists", "shape": "triangle", "color": "green"})
    answer_case("exists-near-miss", "ShapesTasks-8", "green and a triangle exist, but not a blue triangle", scene,
                {"type": "exists", "shape": "triangle", "color": "blue"})
    answer_case("unknown-type", "ShapesTasks-8", "unknown question type", scene, {"type": "size"})

    # ---- captions (ShapesTasks-9)
    def caption_case(cid, comment, objects):
        def fn():
            b, o, d = captions(objects)
            return {"brief": b, "objects_caption": o, "detailed": d}
        add(cid, "ShapesTasks-9", comment, {"form": "captions", "objects": objects}, fn)

    caption_case("captions-two", "two single objects in one row: relation left of",
                 [obj("square", "blue", "small", 2, 0), obj("circle", "red", "large", 0, 0)])
    caption_case("captions-column", "same column: above", [obj("circle", "red", "large", 1, 2), obj("square", "blue", "small", 1, 0)])
    caption_case("captions-groups", "two red circles of different sizes: one group for objects, two for detailed",
                 [obj("circle", "red", "large", 0, 0), obj("circle", "red", "small", 1, 0), obj("square", "green", "small", 2, 2)])
    caption_case("captions-counted", "three small yellow triangles and a blue circle: counts, no relation",
                 [obj("triangle", "yellow", "small", c, 0) for c in range(3)] + [obj("circle", "blue", "large", 1, 1)])
    caption_case("captions-one", "one object", [obj("triangle", "green", "large", 1, 1)])
    caption_case("captions-four", "four objects, relation then groups",
                 [obj("square", "yellow", "large", 0, 1), obj("circle", "blue", "small", 2, 0),
                  obj("triangle", "red", "small", 1, 2), obj("circle", "blue", "small", 0, 2)])

    # ---- parser (ShapesTasks-10)
    def parse_case(cid, comment, caption):
        def fn():
            objs, rels, ign = parse(caption)
            return {"parsed_objects": objs, "relations": rels, "ignored": ign}
        add(cid, "ShapesTasks-10", comment, {"form": "parse", "caption": caption}, fn)

    parse_case("parse-detailed", "a generated detailed caption", "a large red circle left of a small blue square and two small green triangles")
    parse_case("parse-generic", "shape only", "a circle")
    parse_case("parse-bare-plural", "plural without a quantity names one object", "Squares!")
    parse_case("parse-unknown-words", "unknown words listed, objects still found", "I see a shiny red circle, maybe.")
    parse_case("parse-dangling", "modifiers without a noun are ignored", "a big red and two blue")
    parse_case("parse-replaced-modifier", "a later colour replaces an earlier one", "a red blue square")
    parse_case("parse-relation-start", "a relation with nothing before it is dropped", "above a circle")
    parse_case("parse-relation-end", "a relation with nothing after it is dropped", "a circle below")
    parse_case("parse-left-without-of", "left without of is an unknown word", "a circle left a square")
    parse_case("parse-limit", "more than nine objects: the first nine kept", "five circles and six squares and a triangle")
    parse_case("parse-limit-modifiers", "a noun with no room left is ignored with its modifiers",
               "nine circles and a red square")
    parse_case("parse-relation-replaced", "a later relation before the next object replaces the earlier one",
               "a circle above below a square")
    parse_case("parse-empty", "no words", "")
    parse_case("parse-case-punctuation", "case folding and punctuation", "A Large YELLOW Triangle, above: one small Circle.")

    # ---- metrics
    def vqa_case(cid, comment, preds, refs, cats):
        def fn():
            scores, (acc, names, means) = vqa_metrics(preds, refs, cats)
            return {"correct": scores, "accuracy": acc, "categories": names, "per_category": means}
        add(cid, "ShapesTasks-11", comment, {"form": "vqa_metrics", "predictions": preds, "references": refs, "categories": cats}, fn)

    vqa_case("vqa-accuracy", "normalisation (case, punctuation), number words, wrong answers",
             ["Red.", "two", "2 circles", "yes", "No!", "square"],
             [["red"], ["2", "two"], ["2", "two"], ["no"], ["no"], ["circle"]],
             ["color", "count", "count", "position", "exists", "shape"])
    vqa_case("vqa-all-wrong", "every answer wrong", ["blue", "maybe"], [["red"], ["yes"]], ["color", "exists"])
    vqa_case("vqa-empty", "no examples", [], [], [])
    vqa_case("vqa-count-mismatch", "two predictions for one example", ["a", "b"], [["a"]], ["color"])

    def cap_case(cid, comment, preds, detailed, cats):
        def fn():
            r, p, (rm, names, rcat), (pm, _, pcat) = caption_metrics(preds, detailed, cats)
            return {"recalls": r, "precisions": p, "recall": rm, "precision": pm, "categories": names,
                    "per_category_recall": rcat, "per_category_precision": pcat}
        add(cid, "ShapesTasks-12", comment, {"form": "caption_metrics", "predictions": preds, "detailed": detailed, "categories": cats}, fn)

    d1 = "a large red circle left of a small blue square and a small red circle"
    d2 = "two small green triangles and a large yellow square"
    cap_case("caption-metrics", "generic, exact, hallucinated and specificity-ordered predictions",
             ["a circle", d1, "a red circle and a circle and a green square", "a triangle and a small green triangle",
              "nothing here", "three triangles"],
             [d1, d1, d1, d2, d2, d2], ["objects-3", "objects-3", "objects-3", "objects-3", "objects-3", "objects-3"])
    cap_case("caption-metrics-categories", "two categories",
             ["a small red circle", "a large yellow square"], [d1, d2], ["objects-3", "objects-2"])
    cap_case("caption-metrics-empty", "no examples", [], [], [])

    write_file(SPEC, "cases", "Shapes tasks: geometry, rasterisation, relations, answers, captions, parser, metrics",
               generator_source(PROGRAM, "independent Python implementation of the Spec's deterministic rules"), cases)


if __name__ == "__main__":
    main()

"""Golden cases for Specs/GymCards.md, computed by the ORIGINAL gym-cards environments of RL4VLM.

The original package (RL4VLM/RL4VLM, folder gym-cards, commit b989b57) is imported from a path given on
the command line (or in the environment variable RL4VLM_GYM_CARDS); nothing of it is copied here. Its
imports of gymnasium and Pillow are satisfied by small stand-ins (an Env base class, action-space
placeholders, no images): the cases compare rules (rewards, termination, truncation, formula values),
never pixels. Episodes start from scripted states (set on the environment object) and scripted card
draws (the module's draw function replaced by a list), then call the original `step` unchanged.

Two sources of expected values:
- "the original" (case source reference names RL4VLM): the original code's own output (rl4vlm evaluation, default Blackjack rules).
- "independent" (reference names this program): this program's exact evaluation for the project's `exact` mode (Python's
  `ast` + `fractions.Fraction`, binary operators only), or gymnasium's documented natural rules where
  the original's `is_natural` never fires. The original step logic still runs; only the formula
  evaluation (or the natural test) is replaced.

Usage (from the package root):
    python GoldenData/_generators/gen_GymCards.py /path/to/RL4VLM/gym-cards
Without a path the program prints a note and leaves the committed JSON alone.
"""
from __future__ import annotations

import ast
import os
import sys
import types
import warnings
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_io import case, generator_source, tolerance, write_file  # noqa: E402

SPEC = "GymCards"
PROGRAM = "GoldenData/_generators/gen_GymCards.py"
INT64_MAX = 2**63 - 1


def install_stand_ins() -> None:
    """Minimal `gymnasium` and `PIL` modules: enough for the original modules to import and construct."""
    import numpy as np

    gym = types.ModuleType("gymnasium")

    class Env:
        def reset(self, seed=None, options=None):
            self.np_random = np.random.default_rng(seed)

    gym.Env = Env
    spaces = types.ModuleType("gymnasium.spaces")
    class Discrete:
        def __init__(self, n):
            self.n = n

        def contains(self, x):
            return 0 <= int(x) < self.n

    spaces.Discrete = Discrete
    spaces.Box = lambda *a, **k: ("Box", a)
    spaces.Tuple = lambda *a, **k: ("Tuple", a)
    gym.spaces = spaces
    envs = types.ModuleType("gymnasium.envs")
    registration = types.ModuleType("gymnasium.envs.registration")
    registration.register = lambda **k: None
    envs.registration = registration
    gym.envs = envs
    sys.modules.update({"gymnasium": gym, "gymnasium.spaces": spaces, "gymnasium.envs": envs,
                        "gymnasium.envs.registration": registration})
    pil = types.ModuleType("PIL")
    for name in ("Image", "ImageDraw", "ImageFont"):
        sub = types.ModuleType(f"PIL.{name}")
        setattr(pil, name, sub)
        sys.modules[f"PIL.{name}"] = sub
    sys.modules["PIL"] = pil


class FakeImage:
    width, height = 10, 14

    def resize(self, size):
        return self


def load_original(path: str):
    install_stand_ins()
    sys.path.insert(0, os.path.abspath(path))
    from gym_cards.envs import blackjack, ezpoints, numberline, points  # noqa: E402
    for module in (ezpoints, points):
        module.get_image = lambda name: FakeImage()
    numberline.NumberLineEnv._get_observation = lambda self: None
    ezpoints.EZPointEnv._get_observation = lambda self: None
    points.Point24Env._get_observation = lambda self: None
    blackjack.BlackjackEnv._get_obs = lambda self: None
    return numberline, ezpoints, points, blackjack


# ---------------------------------------------------------------- exact evaluation (independent)

class NotExact(Exception):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def exact_value(tokens: list[str]) -> Fraction:
    """The project's exact grammar checked on Python's parse of the space-separated symbols: only
    integer literals, binary + - * / and parentheses; then Fraction arithmetic with 64-bit bounds."""
    symbols = [t for t in tokens if t != " "]
    if not symbols:
        raise NotExact("empty")
    try:
        tree = ast.parse(" ".join(symbols), mode="eval").body
    except SyntaxError:
        raise NotExact("syntax")
    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}

    def check(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            check(node.left)
            check(node.right)
            return
        raise NotExact("syntax")

    check(tree)
    failure = []

    def bounded(f):
        if abs(f.numerator) > INT64_MAX or f.denominator > INT64_MAX:
            failure.append("overflow")
            return Fraction(0)
        return f

    def value(node):
        if isinstance(node, ast.Constant):
            return Fraction(node.value)
        a, b = value(node.left), value(node.right)
        op = ops[type(node.op)]
        if op == "/" and b == 0:
            failure.append("divisionByZero")
            return Fraction(0)
        return bounded({"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else Fraction(0)}[op])

    v = value(tree)
    if failure:
        raise NotExact(failure[0])
    return v


def python_value(tokens: list[str]):
    """What the original's `eval` of the joined symbols gives: (kind, value, failure)."""
    source = "".join(tokens)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # "'int' object is not callable" for 2(3)
            v = eval(source)  # the original evaluates the same string with the same builtin
    except SyntaxError:
        return "failure", None, "syntax"
    except ZeroDivisionError:
        return "failure", None, "divisionByZero"
    except TypeError:
        return "failure", None, "notANumber"
    except OverflowError:
        return "failure", None, "overflow"
    if isinstance(v, bool) or isinstance(v, tuple):
        return "failure", None, "notANumber"
    if isinstance(v, complex):
        return "failure", None, "notReal"
    if isinstance(v, int):
        if abs(v) > INT64_MAX:
            return "failure", None, "overflow"  # documented difference: RLRef's integers are 64-bit
        return "integer", v, None
    return "float", v, None


# ---------------------------------------------------------------- episodes on the original code

RANKS = {"A": 1, "J": 11, "Q": 12, "K": 13}


def parse_card(text: str):
    rank_text, suit = text[:-1], text[-1]
    rank = RANKS.get(rank_text) or int(rank_text)
    return rank, suit


def points_episode(module, cls, cards, actions, evaluation):
    env = cls()
    ranks = [parse_card(c)[0] for c in cards]
    env.cards_num = [min(r, 10) for r in ranks]
    env.cards = list(cards)  # names of card images only; never read by step
    env.formula, env.used_cards = [], []
    if evaluation == "exact":
        def exact_eval(_source):
            # the original's try/except turns any exception into reward -1
            return exact_value([" " if t == " " else str(t) for t in env.formula])
        module.eval = exact_eval
    else:
        module.__dict__.pop("eval", None)
    rewards, terminated, truncated = [], [], []
    for a in actions:
        _, r, te, tr, _ = env.step(a)
        rewards.append(float(r))
        terminated.append(bool(te))
        truncated.append(bool(tr))
        if te or tr:
            break
    module.__dict__.pop("eval", None)
    return {"rewards": rewards, "terminated": terminated, "truncated": truncated}


def numberline_episode(module, start, target, actions):
    env = module.NumberLineEnv()
    env.start_position, env.goal_position, env.position, env.steps_made = start, target, start, 0
    rewards, terminated, truncated = [], [], []
    for a in actions:
        _, r, te, tr, _ = env.step(a)
        rewards.append(float(r))
        terminated.append(bool(te))
        truncated.append(bool(tr))
        if te or tr:
            break
    return {"rewards": rewards, "terminated": terminated, "truncated": truncated}


def blackjack_card(text):
    rank, suit = parse_card(text)
    face = {1: "A", 11: "J", 12: "Q", 13: "K"}.get(rank, str(rank))
    return (min(rank, 10), face, suit)


def blackjack_episode(module, dealer, player, upcoming, actions, natural=False, sab=False, fixed_naturals=False):
    env = module.BlackjackEnv(natural=natural, sab=sab)
    env.reset(seed=0)
    env.dealer = [blackjack_card(c) for c in dealer]
    env.player = [blackjack_card(c) for c in player]
    queue = [blackjack_card(c) for c in upcoming]
    original_draw, original_natural = module.draw_card_with_info, module.is_natural
    module.draw_card_with_info = lambda rng: queue.pop(0)
    if fixed_naturals:
        # gymnasium's intended test on card values (the original compares (value, face, suit) tuples
        # with [1, 10], which is never true)
        module.is_natural = lambda hand: sorted(c[0] for c in hand) == [1, 10]
    rewards, terminated, truncated = [], [], []
    try:
        for a in actions:
            _, r, te, tr, _ = env.step(a)
            rewards.append(float(r))
            terminated.append(bool(te))
            truncated.append(bool(tr))
            if te or tr:
                break
    finally:
        module.draw_card_with_info, module.is_natural = original_draw, original_natural
    return {"rewards": rewards, "terminated": terminated, "truncated": truncated}


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].endswith(".py") else os.environ.get("RL4VLM_GYM_CARDS")
    if not path:
        print("gen_GymCards.py: no path to RL4VLM's gym-cards folder given; GoldenData/GymCards left unchanged")
        return
    numberline, ezpoints, points, blackjack = load_original(path)
    original = {"kind": "generator", "reference": "RL4VLM/RL4VLM b989b57, gym-cards/gym_cards/envs"}
    independent = {"kind": "generator",
                   "reference": "original step logic with this program's exact Fraction evaluation / value-based natural test"}
    cases = []

    # NumberLine (GymCards-1): actions 0 '-', 1 '+'
    for cid, start, target, actions, comment in [
        ("numberline/two-steps-right", 2, 4, [1, 1], "0 for a step closer, +1 on arrival (terminated)"),
        ("numberline/left-wall", 0, 3, [0, 1, 1, 1], "'-' at 0 does not move: -1"),
        ("numberline/wrong-way-then-back", 3, 1, [1, 0, 0, 0], "moving away costs -1, moving back earns 0"),
        ("numberline/right-wall", 5, 4, [1, 0], "'+' at max_position does not move: -1"),
        ("numberline/truncated-at-ten-steps", 0, 5, [0] * 10, "2*max_position = 10 steps without arriving: truncated"),
        ("numberline/arrive-on-step-ten", 0, 5, [0] * 5 + [1] * 5, "arriving on step 10 terminates (not truncated)"),
    ]:
        cases.append(case(cid, "GymCards-1", comment,
                          {"form": "episode", "task": "numberline", "start": start, "target": target, "actions": actions},
                          numberline_episode(numberline, start, target, actions), flags=["numberline"], source=original))

    # EZPoints and Points24 (GymCards-2): number n is action n-1; then the operators, then '='
    ez = {str(n): n - 1 for n in range(1, 11)} | {"+": 10, "*": 11, "=": 12}
    p24 = {str(n): n - 1 for n in range(1, 11)} | {"+": 10, "-": 11, "*": 12, "/": 13, "(": 14, ")": 15, "=": 16}
    episodes = [
        ("ezpoints/product", "ezpoints", ["4H", "3S"], "4 * 3 =", "both modes: 12"),
        ("ezpoints/sum-with-king", "ezpoints", ["KD", "2C"], "10 + 2 =", "K counts 10"),
        ("ezpoints/unavailable-card-then-solve", "ezpoints", ["4H", "3S"], "5 4 * 3 =",
         "a card not on the table: blank appended, -1, episode goes on"),
        ("ezpoints/card-used-twice", "ezpoints", ["4H", "3S"], "4 * 4 3 =", "the second 4 is rejected (-1)"),
        ("ezpoints/one-card-unused", "ezpoints", ["10H", "2S"], "10 + =", "syntax error and a card unused: -1"),
        ("ezpoints/length-limit", "ezpoints", ["4H", "3S"], "+ + + + + + =",
         "six symbols, then any action truncates with -1"),
        ("ezpoints/concatenated-digits", "ezpoints", ["AH", "2S"], "1 2 =",
         "rl4vlm: '12' is one Python literal, +10; exact: two adjacent numbers, -1"),
        ("points24/float-rejects-8-3-8-3", "points24", ["8H", "3S", "8D", "3C"], "8 / ( 3 - 8 / 3 ) =",
         "exact: 24, +10; rl4vlm: 23.99999999999999 != 24, -1"),
        ("points24/float-rejects-4-1-5-6", "points24", ["4H", "AS", "5D", "6C"], "4 / ( 1 - 5 / 6 ) =",
         "exact: 24, +10; rl4vlm: 24.000000000000007 != 24, -1"),
        ("points24/float-accepts-6-1-3-4", "points24", ["6H", "AS", "3D", "4C"], "6 / ( 1 - 3 / 4 ) =",
         "both: 6/0.25 is exactly 24 in binary64"),
        ("points24/plain", "points24", ["QH", "2S", "AD", "AC"], "( 10 + 2 ) * ( 1 + 1 ) =", "Q counts 10"),
        ("points24/power-operator", "points24", ["2H", "3S", "3D", "AC"], "2 * * 3 * 3 * 1 =",
         "rl4vlm: '**' is Python's power, 8*3*1 = 24, +10; exact: syntax, -1"),
        ("points24/unary-minus", "points24", ["AH", "5S", "5D", "AC"], "- 1 + 5 * 5 * 1 =",
         "rl4vlm: unary minus, 24, +10; exact: syntax, -1"),
        ("points24/concatenated-digits", "points24", ["AH", "2S", "2D", "AC"], "1 2 * 2 * 1 =",
         "rl4vlm: 12*2*1, +10; exact: -1"),
        ("points24/division-by-zero", "points24", ["4H", "AS", "AD", "6C"], "4 / ( 1 - 1 ) * 6 =", "-1 in both"),
        ("points24/not-all-cards", "points24", ["8H", "3S", "8D", "3C"], "8 * 3 =", "24 with two cards: -1"),
        ("points24/empty-formula", "points24", ["8H", "3S", "8D", "3C"], "=", "nothing typed: -1"),
        ("points24/length-limit", "points24", ["8H", "3S", "8D", "3C"], " ".join(["("] * 21 + ["="]),
         "21 symbols, then any action truncates with -1"),
        ("points24/blank-between-symbols", "points24", ["8H", "3S", "AD", "AC"], "8 7 * 3 * 1 * 1 =",
         "an unavailable 7 leaves a blank: '8 *3*1*1' still evaluates to 24"),
    ]
    for cid, task, cards, spelled, comment in episodes:
        table = ez if task == "ezpoints" else p24
        actions = [table[s] for s in spelled.split()]
        module, cls = (ezpoints, ezpoints.EZPointEnv) if task == "ezpoints" else (points, points.Point24Env)
        for evaluation in ("rl4vlm", "exact"):
            expected = points_episode(module, cls, cards, actions, evaluation)
            cases.append(case(f"{cid}/{evaluation}", "GymCards-2", comment,
                              {"form": "episode", "task": task, "cards": cards, "actions": actions, "evaluation": evaluation},
                              expected, flags=[task, evaluation],
                              source=original if evaluation == "rl4vlm" else independent))

    # Formula values (GymCards-3 exact, GymCards-4 rl4vlm)
    formulas = [
        ("8 / ( 3 - 8 / 3 )", "the classic float failure"),
        ("4 / ( 1 - 5 / 6 )", "float overshoots 24"),
        ("6 / ( 1 - 3 / 4 )", "float exact"),
        ("( 1 + 2 ) * 8", "integers"),
        ("5 / ( 1 - 1 )", "division by zero"),
        ("2 ( 3 )", "rl4vlm: calling an int (TypeError)"),
        ("( )", "rl4vlm: an empty tuple"),
        ("1 10", "rl4vlm: the literal 110; exact: adjacent numbers"),
        ("- 3 * - 8", "rl4vlm: unary minus"),
        ("8 / / 3", "rl4vlm: floor division 2"),
        ("7 / 2 / / 1", "rl4vlm: float floor division 3.0"),
        ("2 * * - 1", "rl4vlm: negative power gives a float"),
        ("2 * * 62", "rl4vlm: fits 64 bits"),
        ("2 * * 63", "rl4vlm: Python's big integer; RLRef reports overflow"),
        ("8 _ * 3", "a blank (the filler of a rejected action) between symbols"),
        ("1 _ 2", "a blank between two numbers: two literals in Python"),
        ("2 * _ * 3", "a blank splits '**' into two '*'"),
        ("13 * 13 * 13 * 13 / ( 13 - 12 )", "large but exact"),
        ("1 / 3 * 3", "exactly 1; the float is 1.0 too"),
        ("3 - 8 / 3", "a proper fraction"),
        ("", "empty"),
        ("( 8 + 4", "unbalanced"),
    ]
    for i, (spelled, comment) in enumerate(formulas):
        tokens = [" " if s == "_" else s for s in spelled.split()]
        # exact
        try:
            v = exact_value(tokens)
            exp = {"kind": "rational", "numerator": v.numerator, "denominator": v.denominator,
                   "value": float(v), "failure": None, "accepted": v == 24}
        except NotExact as e:
            exp = {"kind": "failure", "numerator": None, "denominator": None, "value": None, "failure": e.kind,
                   "accepted": False}
        cases.append(case(f"formula-{i:02d}/exact", "GymCards-3", f"{spelled!r}: {comment}",
                          {"form": "formula", "tokens": tokens, "evaluation": "exact", "target": 24}, exp,
                          flags=["exact"], source=independent))
        kind, value, failure = python_value(tokens)
        exp = {"kind": kind, "numerator": None, "denominator": None,
               "value": float(value) if value is not None else None, "failure": failure,
               "accepted": value is not None and value == 24}
        cases.append(case(f"formula-{i:02d}/rl4vlm", "GymCards-4", f"{spelled!r}: {comment}",
                          {"form": "formula", "tokens": tokens, "evaluation": "rl4vlm", "target": 24}, exp,
                          flags=["rl4vlm"], source=original))

    # Blackjack (GymCards-5 hand totals through the step outcome, GymCards-6 steps); 0 stand, 1 hit
    hands = [
        ("blackjack/hit-to-bust", ["9H", "7S"], ["JD", "6C"], ["KH"], [1], {}, "16 + 10 = 26: bust, -1, terminated", "GymCards-6"),
        ("blackjack/soft-17-hit-stays-alive", ["10H", "7S"], ["AD", "6C"], ["10H"], [1, 0], {},
         "A+6 = soft 17; +10 makes hard 17 (ace back to 1); stand: 17 vs 17, draw", "GymCards-5"),
        ("blackjack/dealer-draws-to-17", ["10H", "5S"], ["10D", "8C"], ["2H", "9S"], [0], {},
         "dealer 15 draws 2 to 17 and stops; 18 beats 17", "GymCards-6"),
        ("blackjack/dealer-stands-on-soft-17", ["AH", "6S"], ["10D", "8C"], ["5H"], [0], {},
         "dealer A+6 = soft 17 stands (no draw); 18 beats 17", "GymCards-5"),
        ("blackjack/dealer-busts", ["10H", "6S"], ["10D", "2C"], ["QH"], [0], {}, "dealer 16 + 10 busts: +1", "GymCards-6"),
        ("blackjack/dealer-soft-hand-turns-hard", ["AH", "5S"], ["10D", "9C"], ["10H", "3S"], [0], {},
         "dealer A+5 = soft 16 draws 10: hard 16, draws 3: 19; 19 vs 19 draw", "GymCards-5"),
        ("blackjack/two-aces", ["10H", "8S"], ["AD", "AC"], ["9H"], [1, 0], {},
         "A+A = soft 12; +9 = soft 21; 21 beats 18", "GymCards-5"),
        ("blackjack/soft-to-hard-to-bust", ["10H", "8S"], ["AD", "5C"], ["10H", "10S"], [1, 1], {},
         "A+5 soft 16; +10 hard 16 (0); +10 = 26 bust (-1)", "GymCards-5"),
        ("blackjack/natural-default-rules", ["10H", "7S"], ["AD", "KC"], [], [0], {},
         "a natural 21 under the default rules just wins +1", "GymCards-6"),
        ("blackjack/dealer-wins", ["10H", "9S"], ["10D", "7C"], [], [0], {}, "17 vs 19: -1", "GymCards-6"),
    ]
    for cid, dealer, player, upcoming, actions, options, comment, eq in hands:
        cases.append(case(cid, eq, comment,
                          {"form": "episode", "task": "blackjack", "dealer": dealer, "player": player,
                           "upcoming": upcoming, "actions": actions},
                          blackjack_episode(blackjack, dealer, player, upcoming, actions), flags=["blackjack"],
                          source=original))
    for cid, natural, sab, dealer, comment in [
        ("blackjack/natural-pays-1.5", True, False, ["10H", "7S"], "natural=True: a winning natural pays 1.5"),
        ("blackjack/sab-both-natural", False, True, ["10H", "AS"], "sab=True: both hands natural: a draw (0)"),
        ("blackjack/sab-natural-beats-21", False, True, ["5H", "6S"], "sab=True: dealer 11 draws 10 to 21 (not natural); the player's natural wins +1"),
    ]:
        upcoming = ["10D"] if dealer == ["5H", "6S"] else []
        base = {"form": "episode", "task": "blackjack", "dealer": dealer, "player": ["AD", "KC"], "upcoming": upcoming,
                "actions": [0], "natural": natural, "sab": sab}
        cases.append(case(cid + "/rl4vlm", "GymCards-6",
                          comment + "; the original's is_natural never fires (tuples vs [1, 10]), reproduced by natural_rule rl4vlm",
                          base | {"natural_rule": "rl4vlm"},
                          blackjack_episode(blackjack, dealer, ["AD", "KC"], upcoming, [0], natural, sab),
                          flags=["blackjack", "rl4vlm"], source=original))
        cases.append(case(cid + "/gymnasium", "GymCards-6", comment + "; naturals detected by card values",
                          base | {"natural_rule": "gymnasium"},
                          blackjack_episode(blackjack, dealer, ["AD", "KC"], upcoming, [0], natural, sab, fixed_naturals=True),
                          flags=["blackjack"], source=independent))

    path = write_file(SPEC, "rules", "GymCards rules replayed on the original gym-cards code (RL4VLM b989b57)",
                      generator_source(PROGRAM, "runs RL4VLM's gym-cards environments from a path on the command line"),
                      cases, default_tolerance=tolerance(0.0, 0.0, 0.0, 0.0))
    print(f"wrote {path} ({len(cases)} cases)")


if __name__ == "__main__":
    main()

"""Deterministic, realistic-looking agent output for the benchmarks: words, summaries, method
files as diffs, claims and sandbox finding objects.

Everything is drawn from one `random.Random`, so a seed fixes every byte. Words follow a
Zipf-like frequency over a research vocabulary, so full-text search meets posting lists of
realistic lengths: a few words in most documents, most words in few.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

AGENTS = ("aar-1", "aar-2", "aar-3", "aar-4", "aar-5", "aar-6", "aar-7", "aar-8", "aar-9")
TASKS = ("clusters", "imbalanced", "entangled")
FAMILIES = (
    "logconf", "entropy_min", "label_smoothing", "confident_quantile", "boot_ensemble",
    "co_training", "self_distill", "margin_filter", "temperature_scale", "prior_match",
    "aux_confidence", "mixup_student", "early_stop_weak", "reweight_agreement", "pseudo_label",
    "curriculum", "consistency_reg", "noise_robust_loss", "teacher_ensemble", "sharpen",
)
VARIANTS = (
    "warm", "cosine", "q70", "q80", "tuned", "v2", "v3", "fast", "slow", "anneal", "hard",
    "soft", "wide", "deep", "late", "early", "clip", "ema", "swa", "lite",
)

# Research prose vocabulary, roughly most to least common; Zipf weights follow this order.
VOCAB = """
the student teacher weak strong labels loss training model accuracy seeds method baseline
we our with on for this that from than when over each which both only more less after
confidence transfer ceiling gap recovered pgr split held-out test data features predictions
soft hard auxiliary weight warm-up schedule epochs learning rate batch optimizer adam
regularisation entropy calibration temperature margin quantile threshold filter ensemble
bootstrap distillation consistency augmentation noise robust agreement disagreement prior
posterior majority minority class imbalance cluster entangled task family variance standard
error interval mean median improvement gain drop ablation shuffle control paired naive
variant run runs result results setting settings hyperparameter sweep grid default shipped
fixed tuned initial final early late slower faster stable unstable collapse overfit underfit
generalise generalises memorise memorises mislabelled mistakes errors confident uncertain
logits probabilities softmax argmax cross-entropy kl divergence objective term coefficient
ramp linear cosine exponential decay warmup anneal sharpen smooth smoothing clip clipping
gradient norm step steps iteration iterations checkpoint checkpoints early-stopping patience
validation estimate estimated measured claimed reproduce reproduced reproducible replicate
significant significance p-value t-test bonferroni correction multiple comparisons caveat
caveats limitation limitations future work hypothesis observe observed suggests suggest
indicates evidence weakly strongly consistently rarely sometimes always never typically
roughly approximately substantially marginally slightly notably surprisingly interestingly
student's teacher's representation representations embedding embeddings layer layers head
frozen fine-tune fine-tuned linear probe probing capacity scale scaling larger smaller
dataset datasets subset subsets sample samples example examples row rows column columns
distribution shift covariate label-noise symmetric asymmetric flip rate rates fraction share
percent proportion ratio relative absolute difference differences compare compared versus
weighted weighting reweighting importance inverse frequency balanced rebalanced oversample
undersample curriculum easy hard-first easy-first order ordering pacing competence
self-training pseudo-labels pseudo-label co-training views view agreement-based trust trusted
untrusted oversight supervision weak-to-strong alignment superalignment elicitation latent
knowledge salience salient spurious shortcut shortcuts heuristic heuristics simplicity bias
inductive prior-matching majority-vote degenerate trivial collapse constant predictor
mode-seeking mode-covering sharpening hardening thresholding top-k k-nearest neighbours
graph propagation label-propagation smoothness manifold cluster-assumption density
low-density separation boundary boundaries decision region regions confident-region
""".split()
RARE = """
anisotropic heteroscedastic isotonic platt dirichlet beta-binomial wasserstein sinkhorn
mahalanobis jackknife winsorised trimmed huber tukey biweight cauchy student-t laplace
gumbel concrete straight-through reinforce baseline-subtracted polyak lookahead sharpness
flatness hessian fisher natural-gradient k-fac shampoo lion sophia adafactor lamb novograd
stochastic-depth dropconnect shake-shake cutmix manifold-mixup fixmatch flexmatch
mean-teacher noisy-student meta-pseudo temporal-ensembling pi-model virtual-adversarial
coteaching mentornet gce sce taylor-ce bootstrapping-loss forward-correction backward-correction
""".split()

SENTENCES = (
    "We {verb} the {noun} of the weak teacher's soft labels before training the strong student.",
    "The {adj} {noun} keeps the student from copying the teacher's {noun2} on {task}.",
    "Compared with `{base}`, `{idea}` raises PGR from {p0} to {p1} on {task} over {k} seeds.",
    "On `{task}` with {k} seeds the mean PGR is {p1} with a standard error of {se}.",
    "The gain over the paired `{base}` baseline is {gain} (paired t-test p = {pv}).",
    "We tried {n} settings of the {noun} and report the {adj} one; the others were within noise.",
    "Removing the {noun} drops PGR by {gain}, so the effect is not from the {noun2} alone.",
    "A teacher-shuffle ablation brings PGR to {p0}, which suggests the student uses the teacher.",
    "The student reaches {acc} transfer accuracy against a ceiling of {ceil} and a weak {weak}.",
    "Training is {adj} for the first {n} epochs and then the {noun} ramps in linearly.",
    "We suspect the {noun} helps because the teacher is {adj} on the {noun2} of the data.",
    "This builds on finding {ref}, which used a {adj} {noun} but a fixed schedule.",
    "Caveat: we only ran {k} seeds and the interval still overlaps `{base}` on {task}.",
    "Hyperparameters: learning rate {lr}, {n} epochs, weight {w}, warm-up {wu} of training.",
    "The effect is largest on {task} and roughly {adj} elsewhere, which we do not yet explain.",
)
VERBS = ("reweight", "sharpen", "smooth", "filter", "calibrate", "ensemble", "threshold",
         "rescale", "anneal", "bootstrap", "distil", "clip", "harden", "average")
ADJS = ("confident", "uncertain", "stable", "noisy", "balanced", "sharper", "softer",
        "longer", "shorter", "adaptive", "fixed", "per-seed", "per-class", "cosine")
NOUNS = ("margin", "entropy term", "warm-up", "temperature", "quantile cut", "auxiliary loss",
         "class prior", "agreement mask", "confidence weight", "label noise", "ensemble",
         "schedule", "learning rate", "batch order", "decision boundary", "hard labels")
SECTIONS = ("## Idea", "## Method", "## Results", "## Ablations", "## Caveats")
_IDEA, _TASK = "\x00I", "\x00T"
TITLE_PATTERNS = (
    "{Family} with a {adj} {noun} beats {base}",
    "{Family}: {adj} {noun} on {task}",
    "{Adj} {noun} improves PGR on {task}",
    "Does a {adj} {noun} help {family}?",
    "{Family} ({variant}) recovers {pct}% of the gap",
    "Negative result: {adj} {noun} for {family}",
    "{Family} plus {noun}: {adj} gains across seeds",
)


def _zipf_cum(n: int) -> list[float]:
    weights = [1.0 / (r + 1) ** 0.9 for r in range(n)]
    return list(itertools.accumulate(weights))


_WORDS = VOCAB + RARE
_CUM = _zipf_cum(len(_WORDS))


@dataclass(frozen=True)
class Claim:
    """What an agent claims: PGR, its SE, the three accuracies, seeds and task."""

    pgr: float
    pgr_se: float
    weak_acc: float
    strong_acc: float
    transfer_acc: float
    seeds: list[int]
    dataset: str

    def to_json(self) -> dict:
        return {"pgr": self.pgr, "pgr_se": self.pgr_se, "weak_acc": self.weak_acc,
                "strong_acc": self.strong_acc, "transfer_acc": self.transfer_acc,
                "seeds": self.seeds, "dataset": self.dataset}


class Corpus:
    """One deterministic stream of agent output; the same seed gives the same bytes."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._sentences = [self._sentence() for _ in range(20_000)]
        self._blocks = [self._block(i) for i in range(1500)]
        self._block_lines = [b.count("\n") for b in self._blocks]

    # -- names and numbers --------------------------------------------------------------

    def idea(self) -> str:
        r = self.rng
        return f"{r.choice(FAMILIES)}_{r.choice(VARIANTS)}{r.randrange(100)}"

    def claim(self, task: str | None = None) -> Claim:
        r = self.rng
        weak = round(r.uniform(0.6, 0.78), 4)
        strong = round(r.uniform(max(weak + 0.08, 0.86), 0.97), 4)
        # Mostly modest claims, a tail of big ones and a few impossible ones (> 1).
        pgr = round(min(r.betavariate(2.2, 2.8) * 1.25, 1.12), 3)
        k = r.choice((1, 3, 3, 5, 5, 5, 5, 10))
        start = r.choice((1, 7, 42, 100))
        return Claim(
            pgr=pgr,
            pgr_se=round(0.0 if k == 1 else r.uniform(0.004, 0.06), 3),
            weak_acc=weak,
            strong_acc=strong,
            transfer_acc=round(min(weak + pgr * (strong - weak), 0.999), 4),
            seeds=list(range(start, start + k)),
            dataset=task or r.choice(TASKS),
        )

    # -- prose --------------------------------------------------------------------------

    def words(self, n: int) -> str:
        return " ".join(self.rng.choices(_WORDS, cum_weights=_CUM, k=n))

    def _sentence(self) -> str:
        """One sentence with `\x00I`/`\x00T` standing for the idea and the task."""
        r = self.rng
        if r.random() < 0.35:
            text = self.words(r.randint(8, 22))
            return text[0].upper() + text[1:] + "."
        p0, p1 = sorted((round(r.uniform(0.1, 0.9), 2), round(r.uniform(0.2, 1.0), 2)))
        return r.choice(SENTENCES).format(
            verb=r.choice(VERBS), adj=r.choice(ADJS), noun=r.choice(NOUNS),
            noun2=r.choice(NOUNS), task=_TASK, base=r.choice(("naive", "logconf")), idea=_IDEA,
            p0=p0, p1=p1, k=r.choice((3, 5, 10)), se=round(r.uniform(0.003, 0.05), 3),
            gain=round(p1 - p0, 2), pv=f"{r.uniform(0.0001, 0.3):.4f}", n=r.randint(2, 12),
            acc=round(r.uniform(0.7, 0.95), 3), ceil=round(r.uniform(0.88, 0.97), 3),
            weak=round(r.uniform(0.6, 0.78), 3), ref=r.randrange(1, 99_999),
            lr=r.choice(("1e-3", "3e-4", "1e-4", "5e-5")), w=round(r.uniform(0.1, 1.0), 2),
            wu=r.choice(("10%", "20%", "30%", "50%")),
        )

    def title(self, idea: str, task: str) -> str:
        r = self.rng
        family = idea.rsplit("_", 1)[0].replace("_", " ")
        adj = r.choice(ADJS)
        return r.choice(TITLE_PATTERNS).format(
            Family=family.capitalize(), family=family, adj=adj, Adj=adj.capitalize(),
            noun=r.choice(NOUNS), base=r.choice(("naive", "logconf")), task=task,
            variant=idea.rsplit("_", 1)[1], pct=r.randint(20, 99),
        )

    def summary(self, idea: str, task: str, claim: Claim, size: int | None = None) -> str:
        """Markdown of about `size` bytes (1-5 KB when not given), in sections.

        Sentences come from a pool drawn once, so 100k summaries take seconds; each summary
        is a different mix of them.
        """
        r = self.rng
        target = size if size is not None else r.randint(1000, 5000)
        parts: list[str] = []
        length = 0
        for section in itertools.cycle(SECTIONS):
            chunk = [f"\n{section}\n" if parts else f"{section}\n"]
            if section == "## Results":
                chunk.append(
                    f"On `{task}`, {len(claim.seeds)} seeds: PGR {claim.pgr} +- {claim.pgr_se} "
                    f"(weak {claim.weak_acc}, transfer {claim.transfer_acc}, "
                    f"ceiling {claim.strong_acc}).\n"
                )
            chunk.append(" ".join(r.choices(self._sentences, k=r.randint(2, 6))))
            if r.random() < 0.3:
                chunk.append("\n- " + "\n- ".join(r.choices(self._sentences, k=r.randint(2, 4))))
            chunk.append("\n")
            parts += chunk
            length += sum(len(c) for c in chunk)
            if length >= target:
                break
        text = "".join(parts)[: max(target, 200)]
        return text.replace(_IDEA, idea).replace(_TASK, task)

    # -- code -----------------------------------------------------------------------------

    def _ident(self) -> str:
        r = self.rng
        return "_".join(r.sample(("probs", "margin", "conf", "weight", "mask", "cut", "ema",
                                  "temp", "logit", "agree", "rate", "score", "prior", "step"),
                                 r.randint(1, 3)))

    def _block(self, i: int) -> str:
        """One helper function of a method file, 8-40 lines, `+`-prefixed."""
        r = self.rng
        name, arg, var = f"_{self._ident()}_{i}", self._ident(), self._ident()
        doc = self.words(r.randint(6, 14))
        body = [
            f"def {name}(probs: torch.Tensor, {arg}: float = {round(r.uniform(0.05, 2), 3)}) "
            "-> torch.Tensor:",
            f'    """{doc.capitalize()}."""',
            f"    {var} = probs[..., 1]",
        ]
        for j in range(r.randint(3, 34)):
            kind = r.randrange(6)
            if kind == 0:
                body.append(f"    # {self.words(r.randint(4, 12))}")
            elif kind == 1:
                body.append(f"    {var}_{j} = torch.clamp({var} * {arg}, "
                            f"{round(r.uniform(0, 0.2), 2)}, {round(r.uniform(0.8, 1), 2)})")
            elif kind == 2:
                body.append(f"    {var} = torch.where({var} > {round(r.uniform(0.3, 0.7), 2)}, "
                            f"{var}, {var}.mean(dim=-1, keepdim=True))")
            elif kind == 3:
                body.append(f"    {var} = {var} / ({var}.sum(dim=-1, keepdim=True) + 1e-8)")
            elif kind == 4:
                body.append(f"    if {arg} > {round(r.uniform(0, 1), 2)}:")
                body.append(f"        {var} = torch.softmax({var} / {arg}, dim=-1)")
            else:
                body.append(f"    {var} = {var}.sort(dim=1, descending=True).values")
        body.append(f"    return torch.stack([1.0 - {var}, {var}], dim=-1)")
        return "".join(f"+{line}\n" for line in body) + "+\n+\n"

    def method_diff(self, idea: str, lines: int) -> bytes:
        """A git diff adding `methods/<idea>.py` of about `lines` lines (a real-looking method)."""
        r = self.rng
        head = [
            f'"""{self.words(r.randint(6, 12)).capitalize()}.',
            "",
            *(self.words(12) for _ in range(r.randint(1, 3))),
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import math",
            "",
            "import torch",
            "",
            f"AUX_WEIGHT = {round(r.uniform(0.1, 1.0), 2)}",
            f"WARMUP = {round(r.uniform(0.05, 0.6), 2)}",
            "",
            "",
        ]
        tail = [
            "def loss(logits: torch.Tensor, targets: torch.Tensor, progress: float = 0.0)"
            " -> torch.Tensor:",
            "    coef = AUX_WEIGHT * min(1.0, progress / WARMUP)",
            "    mixed = targets * (1.0 - coef) + torch.softmax(logits, dim=-1).detach() * coef",
            "    return -(mixed * torch.log_softmax(logits, dim=-1)).sum(dim=-1)",
            "",
            "",
            "def run(view) -> torch.Tensor:",
            "    params = view.fit(",
            "        view.new_student(), view.x_transfer, view.weak_probs, loss=loss",
            "    )",
            "    return view.predict_proba(params, view.x_test).argmax(dim=-1)",
        ]
        body = "".join(f"+{line}\n" for line in head)
        count = len(head) + len(tail)
        chunks: list[str] = []
        while count < lines:
            k = r.randrange(len(self._blocks))
            if count + self._block_lines[k] > lines:
                filler = lines - count
                chunks.append("".join(f"+# {self.words(r.randint(3, 9))}\n" for _ in range(filler)))
                count = lines
                break
            chunks.append(self._blocks[k])
            count += self._block_lines[k]
        body += "".join(chunks) + "".join(f"+{line}\n" for line in tail)
        path = f"methods/{idea}.py"
        return (
            f"diff --git a/{path} b/{path}\nnew file mode 100644\n"
            f"index 0000000..{r.getrandbits(28):07x}\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{count} @@\n{body}"
        ).encode()

    def diff_lines(self) -> int:
        """A diff length: log-normal around 200 lines, kept within 50-2,000."""
        return int(min(max(self.rng.lognormvariate(math.log(200), 0.8), 50), 2000))

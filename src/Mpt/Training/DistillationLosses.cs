using Mpt.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The prompt-distillation objective of MPT source training, Wang et al. 2023 (arXiv 2303.02861) §3.1 Eqs. (3)-(5):
/// the student prompt P̂_k = P* ∘ W_k imitates the frozen teacher prompt of task k through the output distribution
/// (logit KL) and the hidden states (MSE), added to the task loss with weight λ. Pure functions of tensors.
/// </summary>
public static class DistillationLosses
{
    /// <summary>Label value that marks padding in HF seq2seq labels (ignored by the cross-entropy).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>λ of Eq. (5), "fixed for all experiments" (paper App. A).</summary>
    public const double DefaultLambda = 0.9;

    /// <summary>
    /// Eq. (3): KL(teacher ‖ student) between the temperature-softened output distributions
    /// p = softmax(z / T) over the whole vocabulary, at the target positions (teacher forcing on the gold labels).
    /// Per position: Σ_v p_teacher(v) (log p_teacher(v) − log p_student(v)).
    /// </summary>
    /// <param name="teacherLogits">[B, T, V] logits of the model with the teacher prompt (treated as a constant).</param>
    /// <param name="studentLogits">[B, T, V] logits of the model with the student prompt.</param>
    /// <param name="mask">[B, T], nonzero at target positions (see <see cref="TargetMask"/>: label != -100).</param>
    /// <param name="temperature">
    /// T. Default 1: the paper does not give a temperature (docs/method.md §7, decision 8) and its Eq. (3) compares the model's
    /// own output distributions, which is T = 1.
    /// </param>
    /// <param name="reduction">Default <see cref="LossReduction.TokenMean"/> (mean over target positions, like L_PLM).</param>
    /// <param name="scaleByTemperatureSquared">
    /// Multiply by T² (Hinton et al. 2015): the gradients of a softened KL shrink as 1/T², so the factor keeps the loss's
    /// weight relative to L_PLM (λ) independent of T. On by default; it has no effect at the default T = 1.
    /// </param>
    /// <returns>A scalar; 0 when the mask selects no position.</returns>
    public static Tensor LogitKl(Tensor teacherLogits, Tensor studentLogits, Tensor mask, double temperature = 1.0,
        LossReduction reduction = LossReduction.TokenMean, bool scaleByTemperatureSquared = true)
    {
        if (!teacherLogits.shape.SequenceEqual(studentLogits.shape) || teacherLogits.dim() != 3)
            throw new ArgumentException($"teacher logits [{string.Join(",", teacherLogits.shape)}] and student logits [{string.Join(",", studentLogits.shape)}] must both be [B, T, V].");
        CheckMask(mask, teacherLogits.shape[..2], "mask");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}.");

        using var scope = torch.NewDisposeScope();
        var teacherLogProbs = torch.nn.functional.log_softmax(teacherLogits.detach().to(ScalarType.Float32).Over(temperature), -1); // (B, T, V)
        var studentLogProbs = torch.nn.functional.log_softmax(studentLogits.to(ScalarType.Float32).Over(temperature), -1);        // (B, T, V)
        var perPosition = (teacherLogProbs.exp() * (teacherLogProbs - studentLogProbs)).sum(-1);                      // (B, T)
        var loss = Reduce(perPosition, mask, reduction);
        if (scaleByTemperatureSquared) loss = loss.Times(temperature * temperature);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Eq. (3) against a teacher kept as its top-k tokens plus one lumped tail bucket (<see cref="TeacherTopK"/>): the KL
    /// between the two distributions over the k + 1 outcomes {v ∈ S} ∪ {tail}, the student's tail being its own mass
    /// outside the teacher's top-k set S. Per position, with P = Σ_{v∉S} p_teacher(v) and Q = Σ_{v∉S} p_student(v):
    /// Σ_{v∈S} p_teacher(v) (log p_teacher(v) − log p_student(v)) + P (log P − log Q).
    /// </summary>
    /// <remarks>
    /// <para>Error bound. Splitting the exact per-position KL of <see cref="LogitKl"/> into S and the tail R and writing
    /// p̄ = p_teacher / P and s̄ = p_student / Q for the distributions within R,
    /// Σ_{v∈R} p(v) log(p(v)/s(v)) = P log(P/Q) + P · KL(p̄ ‖ s̄), so
    /// <b>0 ≤ KL_exact − KL_lumped = P · KL(p̄ ‖ s̄)</b>: the lumped KL never exceeds the exact one (lumping outcomes is
    /// a coarse-graining; log-sum inequality), and what it misses is the KL between the two tails' shapes weighted by the
    /// teacher's tail mass P. It is 0 when P = 0 (k = V, or a teacher certain within its top k) and at most
    /// P · max_{v∈R} log(p̄(v)/s̄(v)). The reduction and the T² factor apply to it as to the loss.</para>
    /// <para>Gradient (T = 1, w.r.t. the student logits): p_student(v) − p_teacher(v) on S, exactly as the full KL; on R,
    /// p_student(v) − P · s̄(v): the student's tail mass is pulled to the teacher's, spread as the student's own tail.</para>
    /// <para>With the top k = V (an empty tail) the value equals <see cref="LogitKl"/> up to the summation order.</para>
    /// </remarks>
    /// <param name="teacher">[B, T, k] ids and log-probabilities and [B, T] tail log-mass, at <paramref name="temperature"/> (treated as constants).</param>
    /// <param name="studentLogits">[B, T, V] logits of the model with the student prompt.</param>
    /// <param name="mask">[B, T], nonzero at target positions.</param>
    /// <param name="temperature">T, the one the teacher summary was made at.</param>
    /// <param name="reduction">As <see cref="LogitKl"/>.</param>
    /// <param name="scaleByTemperatureSquared">As <see cref="LogitKl"/>.</param>
    public static Tensor LumpedLogitKl(TeacherTopK teacher, Tensor studentLogits, Tensor mask, double temperature = 1.0,
        LossReduction reduction = LossReduction.TokenMean, bool scaleByTemperatureSquared = true)
    {
        if (studentLogits.dim() != 3 || teacher.Ids.dim() != 3 || !teacher.Ids.shape[..2].SequenceEqual(studentLogits.shape[..2])
            || !teacher.LogProbs.shape.SequenceEqual(teacher.Ids.shape) || !teacher.TailLogMass.shape.SequenceEqual(studentLogits.shape[..2]))
            throw new ArgumentException($"teacher top-k ids [{string.Join(",", teacher.Ids.shape)}], log-probabilities [{string.Join(",", teacher.LogProbs.shape)}] and tail [{string.Join(",", teacher.TailLogMass.shape)}] do not fit student logits [{string.Join(",", studentLogits.shape)}] (expected [B, T, k], [B, T, k], [B, T] and [B, T, V]).");
        CheckMask(mask, studentLogits.shape[..2], "mask");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be positive, got {temperature}.");

        using var scope = torch.NewDisposeScope();
        var student = torch.nn.functional.log_softmax(studentLogits.to(ScalarType.Float32).Over(temperature), -1);   // (B, T, V)
        var ids = teacher.Ids.to(ScalarType.Int64);
        var studentTop = student.gather(-1, ids);                                                                      // (B, T, k)
        // log Q from the student's tail log-probabilities. The top-k entries are filled with the most negative finite
        // float rather than −∞, so that an empty tail (k = V) gives a finite log Q and a finite (zero-weighted) gradient.
        var studentTail = student.scatter(-1, ids, torch.full_like(studentTop, float.MinValue)).logsumexp(-1);       // (B, T)
        var teacherLogProbs = teacher.LogProbs.detach().to(ScalarType.Float32);
        var top = (teacherLogProbs.exp() * (teacherLogProbs - studentTop)).sum(-1);                                    // (B, T)
        var tailLog = teacher.TailLogMass.detach().to(ScalarType.Float32);
        var tailMass = tailLog.exp();
        // P log P is 0 at P = 0 (the limit); masking log P keeps 0 · (−∞) from turning into NaN.
        var tail = tailMass * (tailLog.masked_fill(tailMass.eq(0), 0) - studentTail);                                 // (B, T)
        var loss = Reduce(top + tail, mask, reduction);
        if (scaleByTemperatureSquared) loss = loss.Times(temperature * temperature);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Eq. (4) for one stack (encoder or decoder): squared differences between student and teacher hidden states at the
    /// valid positions. With <see cref="LossReduction.TokenMean"/> each position contributes the mean over the d hidden
    /// units (i.e. PyTorch's MSE over the unmasked elements), so the loss does not grow with d_model; with
    /// <see cref="LossReduction.Sum"/> it is Eq. (4) literally, Σ_positions ‖H − H_teacher‖².
    /// </summary>
    /// <param name="teacherStates">HF-style hidden states of the stack: [0] = embeddings, [i] = block i's output, last = final (normed) state; each [B, S, d]. Treated as constants.</param>
    /// <param name="studentStates">Same layout for the student.</param>
    /// <param name="mask">[B, S], nonzero at positions to compare (see <see cref="EncoderMask"/>, <see cref="TargetMask"/>).</param>
    /// <param name="layers">Final state only (default) or every block output (blocks 1..L): averaged over the layers with TokenMean, summed with Sum (Eq. (4) literally).</param>
    /// <param name="reduction">Default <see cref="LossReduction.TokenMean"/>.</param>
    public static Tensor HiddenMse(IReadOnlyList<Tensor> teacherStates, IReadOnlyList<Tensor> studentStates, Tensor mask,
        HiddenLayers layers = HiddenLayers.Final, LossReduction reduction = LossReduction.TokenMean)
    {
        if (teacherStates.Count != studentStates.Count || teacherStates.Count == 0)
            throw new ArgumentException($"teacher has {teacherStates.Count} hidden-state tensors and student {studentStates.Count}; they must be equal and non-zero.");
        if (layers == HiddenLayers.All && teacherStates.Count < 2)
            throw new ArgumentException("HiddenLayers.All needs the embeddings plus at least one block output (2 or more tensors).");
        for (int i = 0; i < teacherStates.Count; i++)
        {
            if (!teacherStates[i].shape.SequenceEqual(studentStates[i].shape) || teacherStates[i].dim() != 3)
                throw new ArgumentException($"hidden states {i}: teacher [{string.Join(",", teacherStates[i].shape)}] and student [{string.Join(",", studentStates[i].shape)}] must both be [B, S, d].");
        }
        CheckMask(mask, teacherStates[0].shape[..2], "mask");

        using var scope = torch.NewDisposeScope();
        int first = layers == HiddenLayers.Final ? teacherStates.Count - 1 : 1;
        Tensor? total = null;
        for (int i = first; i < teacherStates.Count; i++)
        {
            var diff = studentStates[i].to(ScalarType.Float32) - teacherStates[i].detach().to(ScalarType.Float32); // (B, S, d)
            var squared = diff.square();
            var perPosition = reduction == LossReduction.TokenMean ? squared.mean([-1]) : squared.sum(-1);            // (B, S)
            var layerLoss = Reduce(perPosition, mask, reduction);
            total = total is null ? layerLoss : total.Plus(layerLoss);
        }
        var result = layers == HiddenLayers.All && reduction == LossReduction.TokenMean
            ? total!.Over(teacherStates.Count - first)
            : total!;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The paper's hidden loss over "both the encoder and decoder of T5" (§4.1): the encoder term plus the decoder term,
    /// each from <see cref="HiddenMse"/>.
    /// </summary>
    public static Tensor EncoderDecoderHiddenMse(
        IReadOnlyList<Tensor> teacherEncoderStates, IReadOnlyList<Tensor> studentEncoderStates, Tensor encoderMask,
        IReadOnlyList<Tensor> teacherDecoderStates, IReadOnlyList<Tensor> studentDecoderStates, Tensor decoderMask,
        HiddenLayers layers = HiddenLayers.Final, LossReduction reduction = LossReduction.TokenMean)
    {
        using var scope = torch.NewDisposeScope();
        var encoder = HiddenMse(teacherEncoderStates, studentEncoderStates, encoderMask, layers, reduction);
        var decoder = HiddenMse(teacherDecoderStates, studentDecoderStates, decoderMask, layers, reduction);
        return encoder.Plus(decoder).MoveToOuterDisposeScope();
    }

    /// <summary>Eq. (5): L_total = L_PLM + λ (L_Logits + L_Hidden), λ = 0.9 by default.</summary>
    public static Tensor TotalLoss(Tensor taskLoss, Tensor logitKl, Tensor hiddenMse, double lambda = DefaultLambda)
    {
        if (lambda < 0 || double.IsNaN(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), $"λ must be non-negative, got {lambda}.");
        using var scope = torch.NewDisposeScope();
        return taskLoss.Plus(logitKl.Plus(hiddenMse).Times(lambda)).MoveToOuterDisposeScope();
    }

    /// <summary>The target positions of HF labels [B, T]: label != -100, as a bool tensor.</summary>
    public static Tensor TargetMask(Tensor labels) => labels.NotEqualTo(IgnoreIndex);

    /// <summary>
    /// The encoder positions the hidden loss compares: [B, l + S] = concat(prompt part, attention mask), padding excluded.
    /// Prompt positions are included by default: their encoder states are part of what the decoder cross-attends to, so
    /// they carry the teacher's behaviour; the paper's H is the whole "sequence of hidden vectors for the i-th input" and
    /// teacher and student prompts have the same length l, so the positions align.
    /// </summary>
    /// <param name="attentionMask">[B, S] token attention mask (1 = real token).</param>
    /// <param name="promptLength">l.</param>
    /// <param name="includePromptPositions">Whether the l prompt positions count (default true).</param>
    public static Tensor EncoderMask(Tensor attentionMask, int promptLength, bool includePromptPositions = true)
    {
        if (attentionMask.dim() != 2) throw new ArgumentException($"attention mask must be [B, S], got [{string.Join(",", attentionMask.shape)}].", nameof(attentionMask));
        if (promptLength < 0) throw new ArgumentOutOfRangeException(nameof(promptLength), $"prompt length must be non-negative, got {promptLength}.");
        using var scope = torch.NewDisposeScope();
        var prompt = includePromptPositions
            ? torch.ones(attentionMask.shape[0], promptLength, ScalarType.Bool, attentionMask.device)
            : torch.zeros(attentionMask.shape[0], promptLength, ScalarType.Bool, attentionMask.device);
        return torch.cat([prompt, attentionMask.NotEqualTo(0)], 1).MoveToOuterDisposeScope(); // (B, l + S)
    }

    private static Tensor Reduce(Tensor perPosition, Tensor mask, LossReduction reduction)
    {
        var m = mask.NotEqualTo(0).to(ScalarType.Float32);
        var total = (perPosition * m).sum();
        return reduction switch
        {
            // Clamping the count keeps an all-padding batch at 0 instead of 0/0 = NaN.
            LossReduction.TokenMean => total / m.sum().AtLeast(1),
            LossReduction.Sum => total,
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction."),
        };
    }

    private static void CheckMask(Tensor mask, long[] shape, string name)
    {
        if (!mask.shape.SequenceEqual(shape))
            throw new ArgumentException($"{name} has shape [{string.Join(",", mask.shape)}], expected [{string.Join(",", shape)}].", name);
    }
}

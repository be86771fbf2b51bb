namespace Mpt.Pipeline;

/// <summary>
/// One task of a stage and where its data is (an entry of <c>sources</c> or <c>targets</c>): a data file, or a folder of
/// split files as the Hugging Face hub exports them. Train, dev and test examples are derived with ATTEMPT's split rule
/// of the task (docs/method.md §6.1), as <c>mpt evaluate --split</c> does.
/// </summary>
public sealed record TaskDataConfig
{
    /// <summary>Task name from the catalogue (or from <see cref="PipelineConfig.TaskFile"/>); required.</summary>
    public string? Task { get; init; }

    /// <summary>Data file or folder; required, except where the run's <see cref="PipelineRunOptions.TaskData"/> resolver
    /// provides it (the mpt CLI builds the real-data benchmark's tasks on demand when omitted, and a built benchmark folder
    /// with manifest.json stands for its task's folder).</summary>
    public string? Data { get; init; }

    /// <summary>At most this many training examples (ATTEMPT n_obs, a seeded subset); null = all.</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>At most this many dev examples for model selection during training; null = all.</summary>
    public int? MaxDevExamples { get; init; }

    /// <summary>At most this many test examples for the final evaluation; null = all.</summary>
    public int? MaxTestExamples { get; init; }

    /// <summary>Checks the entry.</summary>
    public void Validate(string path)
    {
        ConfigChecks.Required($"{path}.task", Task);
        if (MaxTrainExamples is int a) ConfigChecks.AtLeast($"{path}.max_train_examples", a, 1);
        if (MaxDevExamples is int b) ConfigChecks.AtLeast($"{path}.max_dev_examples", b, 1);
        if (MaxTestExamples is int c) ConfigChecks.AtLeast($"{path}.max_test_examples", c, 1);
    }
}

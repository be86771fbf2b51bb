using Mpt.Bench;

// Mpt.Bench BENCHMARK [options]; each benchmark prints one JSON line per measurement on stdout.
const string Usage = "usage: Mpt.Bench checkpoint-load [--write DIR [--variants single,sharded,bf16,bin] | --read DIR [--runs N] [--dtype float32|bfloat16|keep] [--reader mpt|pybridge] [--threads N] | --check-layout MODEL_DIR] [--keep]\n       " + TokenizerEncodeBenchmark.Usage + "\n       " + DataLoadBenchmark.Usage + "\n       " + DropoutBenchmark.Usage + "\n       " + AttentionBenchmark.Usage;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
try
{
    return args[0] switch
    {
        "checkpoint-load" => CheckpointLoadBenchmark.Run(args[1..]),
        "tokenizer-encode" => TokenizerEncodeBenchmark.Run(args[1..]),
        "data-load" => DataLoadBenchmark.Run(args[1..]),
        "dropout" => DropoutBenchmark.Run(args[1..]),
        "attention" => AttentionBenchmark.Run(args[1..]),
        _ => throw new ArgumentException($"unknown benchmark '{args[0]}'."),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"{e.Message}\n{Usage}");
    return 2;
}

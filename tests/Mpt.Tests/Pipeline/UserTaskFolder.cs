using System.Text.Json;

namespace Mpt.Tests.Pipeline;

/// <summary>
/// What a new user brings, in a temporary folder: labelled JSONL folders (train / validation / test, fields text and
/// label) and one task file with label descriptions — two small sources (word polarity, sentence topic) and a target
/// (review sentiment). Deleted on dispose.
/// </summary>
internal sealed class UserTaskFolder : IDisposable
{
    public const string Polarity = "user-polarity";
    public const string Topic = "user-topic";
    public const string Reviews = "my-task";
    public const string FreeText = "user-summaries";

    private static readonly string[] Good = ["wonderful", "excellent", "delightful", "superb", "lovely", "great", "pleasant", "brilliant", "charming", "fantastic", "nice", "splendid"];
    private static readonly string[] Bad = ["terrible", "awful", "horrible", "dreadful", "lousy", "poor", "nasty", "miserable", "disgusting", "annoying", "bad", "rotten"];

    private static readonly (string Text, string Label)[] TopicRows =
    [
        ("The striker scored twice in the final match.", "sports"), ("Add the flour and stir the soup slowly.", "food"),
        ("The team won the league after a long season.", "sports"), ("The bakery sells fresh bread every morning.", "food"),
        ("She ran the marathon in under three hours.", "sports"), ("We grilled fish and roasted vegetables.", "food"),
        ("The coach praised the goalkeeper.", "sports"), ("This recipe needs butter, sugar and eggs.", "food"),
        ("The tennis player served an ace.", "sports"), ("The restaurant serves spicy noodles.", "food"),
        ("Fans cheered as the runner crossed the line.", "sports"), ("He cooked rice with garlic and onions.", "food"),
    ];

    private static readonly (string Text, string Label)[] ReviewRows =
    [
        ("I loved this phone, it works perfectly.", "pos"), ("It broke after two days.", "neg"),
        ("Great value and excellent quality.", "pos"), ("Terrible quality, a waste of money.", "neg"),
        ("The service was friendly and fast.", "pos"), ("The food was cold and bland.", "neg"),
        ("Absolutely delicious, I will come back.", "pos"), ("Rude staff and a long wait.", "neg"),
        ("Highly recommended, a wonderful product.", "pos"), ("Do not buy this, it is useless.", "neg"),
        ("The battery lasts long and it looks nice.", "pos"), ("The screen cracked and support never answered.", "neg"),
        ("Best purchase I made this year.", "pos"), ("Worst experience ever.", "neg"),
        ("Comfortable, sturdy and well made.", "pos"), ("Poorly made and uncomfortable.", "neg"),
    ];

    public UserTaskFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), $"mpt-user-tasks-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
        var polarity = Good.Zip(Bad).SelectMany(p => new[] { ($"{p.First}: describes something good", "positive"), ($"{p.Second}: describes something bad", "negative") }).ToArray();
        WriteSplits(Polarity, polarity);
        WriteSplits(Topic, TopicRows);
        WriteSplits(Reviews, ReviewRows);
        WriteSplits(FreeText, ReviewRows.Select(r => (r.Text, r.Text.Split(' ')[0])).ToArray());
        File.WriteAllText(TaskFile, """
        {"tasks": [
          {"name": "user-polarity", "template": [["word:", "text"]], "labels": ["positive", "negative"],
           "label_descriptions": {"positive": "a positive word", "negative": "a negative word"}, "metrics": ["accuracy"]},
          {"name": "user-topic", "template": [["sentence:", "text"]], "labels": ["sports", "food"],
           "label_descriptions": {"food": "food and cooking"}, "metrics": ["accuracy"]},
          {"name": "my-task", "template": [["review:", "text"]], "labels": ["pos", "neg"],
           "label_descriptions": {"pos": "a positive review", "neg": "a negative review"}, "metrics": ["accuracy"]},
          {"name": "user-summaries", "template": [["review:", "text"]], "metrics": ["squad"]}
        ]}
        """);
    }

    public string Root { get; }

    public string TaskFile => Path.Combine(Root, "my-tasks.json");

    public string DataDir(string task) => Path.Combine(Root, "data", task);

    /// <summary>First half train, then a quarter each for validation and test (rows alternate labels, so each split has both).</summary>
    private void WriteSplits(string task, (string Text, string Label)[] rows)
    {
        Directory.CreateDirectory(DataDir(task));
        int half = rows.Length / 2, quarter = rows.Length / 4;
        foreach (var (split, part) in new[] { ("train", rows[..half]), ("validation", rows[half..(half + quarter)]), ("test", rows[(half + quarter)..]) })
            File.WriteAllLines(Path.Combine(DataDir(task), $"{split}.jsonl"),
                part.Select(r => JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = r.Text, ["label"] = r.Label })));
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}

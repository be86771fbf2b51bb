using Mpt;

// A few labelled sentences: enough to train a soft prompt for the embedded all-MiniLM-L6-v2 encoder.
(string Input, string Label)[] examples =
[
    ("An absolute joy from the first scene to the last.", "positive"),
    ("Clever, moving and beautifully played.", "positive"),
    ("I would happily watch it again tomorrow.", "positive"),
    ("The best thing I have seen in years.", "positive"),
    ("A tedious mess that goes nowhere.", "negative"),
    ("Flat characters and a story full of holes.", "negative"),
    ("I was bored within ten minutes.", "negative"),
    ("A waste of a good cast.", "negative"),
];

using var tuner = PromptTuner.Open("minilm", new PromptTunerOptions { Steps = 30, Seed = 1 });
using var model = tuner.TrainPrompt(examples);
foreach (string review in new[] { "What a delightful surprise.", "Dull, slow and far too long." })
{
    Prediction prediction = model.Predict(review);
    Console.WriteLine($"{review} -> {prediction.Label} ({prediction.Scores[prediction.Label]:P0})");
}

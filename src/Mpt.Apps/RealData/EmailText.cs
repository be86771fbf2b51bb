using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Mpt.RealData;

/// <summary>
/// Turns a raw RFC-822 message into what T5 spam shows the model: the decoded Subject and the start of the readable
/// body, with <b>all other headers dropped</b> (they hold real people's addresses and routing that identifies the
/// source folders). MIME handling is deliberately small: for multipart messages the first text/plain part is used
/// (else the first text/html part); quoted-printable and base64 are decoded; HTML tags are removed; e-mail
/// addresses are masked as <c>[email]</c>; bracketed mailing-list tags such as <c>[ILUG]</c> are removed from the
/// subject, since they name the list a ham message came from rather than anything about the content.
/// </summary>
public static partial class EmailText
{
    /// <summary>Subject and body text of <paramref name="raw"/>; the body is cut to at most <paramref name="maxBodyChars"/> characters.</summary>
    public static (string Subject, string Body) Extract(string raw, int maxBodyChars)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var (headers, body) = SplitHeaders(raw.Replace("\r\n", "\n"));
        string subject = DecodeEncodedWords(headers.GetValueOrDefault("subject", ""));
        subject = SourceText.CollapseWhitespace(MaskEmails(ListTag().Replace(subject, " ")).Replace("\uFFFD", ""));
        string text = ReadablePart(headers, body, depth: 0) ?? "";
        // U+FFFD marks bytes the corpus could not decode (e.g. Thai spam); they carry nothing readable.
        text = SourceText.CollapseWhitespace(MaskEmails(text).Replace("\uFFFD", ""));
        return (subject, SourceText.Truncate(text, maxBodyChars));
    }

    /// <summary>Headers (lower-case names, folded lines joined, first occurrence wins) and the body after the first blank line.</summary>
    internal static (Dictionary<string, string> Headers, string Body) SplitHeaders(string message)
    {
        int blank = message.IndexOf("\n\n", StringComparison.Ordinal);
        string head = blank < 0 ? message : message[..blank];
        string body = blank < 0 ? "" : message[(blank + 2)..];
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var value = new StringBuilder();
        void Flush()
        {
            if (name is not null) headers.TryAdd(name, value.ToString().Trim());
        }
        foreach (string line in head.Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t'))
            {
                value.Append(' ').Append(line.Trim()); // folded continuation
                continue;
            }
            Flush();
            int colon = line.IndexOf(':');
            // The mbox "From sender date" line and other non-headers have no colon before a space.
            if (colon <= 0 || line[..colon].Contains(' ')) { name = null; continue; }
            name = line[..colon].Trim().ToLowerInvariant();
            value.Clear().Append(line[(colon + 1)..]);
        }
        Flush();
        return (headers, body);
    }

    private static string? ReadablePart(Dictionary<string, string> headers, string body, int depth)
    {
        string contentType = headers.GetValueOrDefault("content-type", "text/plain");
        string mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType.StartsWith("multipart/", StringComparison.Ordinal) && depth < 5)
        {
            Match boundary = Boundary().Match(contentType);
            if (!boundary.Success) return body;
            string marker = "--" + boundary.Groups[1].Value;
            var parts = body.Split(marker).Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal))
                .Select(p => SplitHeaders(p.TrimStart('\n', ' ', '\t'))).ToList();
            foreach (string wanted in new[] { "text/plain", "text/html" })
                foreach (var (h, b) in parts)
                {
                    string type = h.GetValueOrDefault("content-type", "text/plain").Split(';')[0].Trim().ToLowerInvariant();
                    if (type.StartsWith("multipart/", StringComparison.Ordinal))
                    {
                        string? nested = ReadablePart(h, b, depth + 1);
                        if (nested is not null) return nested;
                    }
                    else if (type == wanted) return ReadablePart(h, b, depth + 1);
                }
            return null;
        }
        if (!mediaType.StartsWith("text/", StringComparison.Ordinal)) return null;
        string decoded = headers.GetValueOrDefault("content-transfer-encoding", "").Trim().ToLowerInvariant() switch
        {
            "quoted-printable" => DecodeQuotedPrintable(body),
            "base64" => DecodeBase64(body),
            _ => body,
        };
        return mediaType == "text/html" ? StripHtml(decoded) : decoded;
    }

    internal static string DecodeQuotedPrintable(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 1 < text.Length && text[i + 1] == '\n') { i++; continue; } // soft line break
            if (text[i] == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
                continue;
            }
            bytes.AddRange(text[i] < 256 ? [(byte)text[i]] : Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return DecodeBytes([.. bytes]);
    }

    private static string DecodeBase64(string text)
    {
        string compact = new(text.Where(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=').ToArray());
        compact = compact[..(compact.Length / 4 * 4)];
        try { return DecodeBytes(Convert.FromBase64String(compact)); }
        catch (FormatException) { return ""; }
    }

    /// <summary>UTF-8 when the bytes are valid UTF-8, else Latin-1 (the usual charset of 2002 mail).</summary>
    private static string DecodeBytes(byte[] bytes)
    {
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(bytes); }
    }

    /// <summary>RFC 2047 encoded words in headers, e.g. <c>=?iso-8859-1?Q?caf=E9?=</c>.</summary>
    internal static string DecodeEncodedWords(string header) => EncodedWord().Replace(header, m =>
    {
        string payload = m.Groups[2].Value;
        if (m.Groups[1].Value.Equals("B", StringComparison.OrdinalIgnoreCase)) return DecodeBase64(payload);
        return DecodeQuotedPrintable(payload.Replace('_', ' '));
    });

    private static string StripHtml(string html)
    {
        string text = ScriptOrStyle().Replace(html, " ");
        text = Comment().Replace(text, " ");
        text = Tag().Replace(text, " ");
        return WebUtility.HtmlDecode(text);
    }

    private static string MaskEmails(string text) => EmailAddress().Replace(text, "[email]");

    [GeneratedRegex(@"\[[^\[\]]{1,40}\]")]
    private static partial Regex ListTag();

    [GeneratedRegex("boundary=\"?([^\";]+)\"?", RegexOptions.IgnoreCase)]
    private static partial Regex Boundary();

    [GeneratedRegex(@"=\?[^?]+\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailAddress();
}

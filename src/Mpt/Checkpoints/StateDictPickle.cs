using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace Mpt.Checkpoints;

/// <summary>
/// A restricted reader of the <c>data.pkl</c> of a zip-format <c>torch.save</c> state dict, in the spirit of
/// <c>torch.load(weights_only=True)</c> (torch/_weights_only_unpickler.py): it runs no code and builds no object a state
/// dict does not need. Only the opcodes <c>torch.save</c> and TorchSharp.PyBridge write for a dict of tensors are
/// interpreted, and only these globals may be named: <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor_v2</c> / <c>_rebuild_tensor</c> / <c>_rebuild_parameter</c> and the typed storages
/// <c>torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage</c>. Anything else (a pickled module, a
/// class of another library, <c>builtins.eval</c>, <c>os.system</c>) is refused by its name before any object exists.
/// </summary>
/// <remarks>
/// The result describes tensors without reading their bytes (<see cref="TensorRecord"/>): every claimed size, shape,
/// stride and offset is checked against its storage's record (and the storage against its zip entry) by the caller
/// before anything is allocated, so a small file cannot make the reader allocate by a claimed size. Sizes in the pickle
/// are bounded by the bytes that remain (a string longer than the rest of the file is refused before it is read).
/// </remarks>
internal static class StateDictPickle
{
    /// <summary>A storage named by a persistent id: <c>('storage', torch.FloatStorage, key, location, numel)</c>.</summary>
    public sealed record StorageRecord(ScalarType DType, string StorageType, string Key, long ElementCount);

    /// <summary>A tensor as <c>_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)</c> describes it.</summary>
    public sealed record TensorRecord(StorageRecord Storage, long StorageOffset, long[] Shape, long[] Stride);

    /// <summary>The storage types a state dict may use, with their dtypes (those <see cref="SafetensorsFile"/> reads too).</summary>
    private static readonly Dictionary<string, ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64, ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16, ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16, ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    /// <summary>A dict or OrderedDict under construction: items in insertion order (a later SETITEM of a key replaces it).</summary>
    private sealed class PickleDict
    {
        public readonly List<KeyValuePair<object?, object?>> Items = [];
    }

    private sealed class Mark
    {
        public static readonly Mark Instance = new();
    }

    /// <summary>
    /// Interprets <paramref name="pickle"/> and returns the state dict it describes (name → tensor record), in pickle order.
    /// </summary>
    /// <exception cref="InvalidDataException">A malformed pickle, an opcode or global a state dict does not need, or a
    /// value that is not a flat dict of tensors; the message names <paramref name="source"/>.</exception>
    public static IReadOnlyList<KeyValuePair<string, TensorRecord>> Read(byte[] pickle, string source)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        int pos = 0;

        InvalidDataException Bad(string what) => new($"{source}: data.pkl: {what} (at byte {Math.Max(0, pos - 1)}).");
        ReadOnlySpan<byte> Take(long count)
        {
            if (count < 0 || count > pickle.Length - pos) throw Bad($"a length of {count} bytes runs past the end of the pickle");
            var span = pickle.AsSpan(pos, (int)count);
            pos += (int)count;
            return span;
        }
        object? Pop()
        {
            if (stack.Count == 0 || stack[^1] is Mark) throw Bad("stack underflow");
            var top = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return top;
        }
        object? Peek() => stack.Count == 0 || stack[^1] is Mark ? throw Bad("stack underflow") : stack[^1];
        List<object?> PopToMark()
        {
            if (marks.Count == 0) throw Bad("no MARK before a collection opcode");
            int start = marks.Pop();
            var items = stack.GetRange(start, stack.Count - start);
            stack.RemoveRange(start - 1, stack.Count - start + 1);
            return items;
        }
        string Utf8(ReadOnlySpan<byte> bytes)
        {
            try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
            catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
        }
        string Line()
        {
            int end = Array.IndexOf(pickle, (byte)'\n', pos);
            if (end < 0) throw Bad("a GLOBAL name has no line end");
            string text = Encoding.ASCII.GetString(pickle, pos, end - pos);
            pos = end + 1;
            return text;
        }
        void Memoize(long index)
        {
            if (index < 0) throw Bad($"negative memo index {index}");
            memo[index] = Peek();
        }
        object? Recall(long index) => memo.TryGetValue(index, out var value) ? value : throw Bad($"memo index {index} was never stored");
        void SetItems(PickleDict dict, List<object?> pairs)
        {
            if (pairs.Count % 2 != 0) throw Bad("SETITEMS with an odd number of items");
            for (int i = 0; i < pairs.Count; i += 2) dict.Items.Add(new(pairs[i], pairs[i + 1]));
        }

        while (true)
        {
            if (pos >= pickle.Length) throw Bad("the pickle ends without STOP");
            byte op = pickle[pos++];
            switch (op)
            {
                case 0x80: Take(1); break;                                     // PROTO
                case 0x95: Take(8); break;                                     // FRAME (protocol 4 framing hint)
                case (byte)'(': marks.Push(stack.Count + 1); stack.Add(Mark.Instance); break; // MARK
                case (byte)'}': stack.Add(new PickleDict()); break;            // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break;         // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break;      // EMPTY_TUPLE
                case (byte)'t': stack.Add(PopToMark().ToArray()); break;       // TUPLE
                case 0x85: stack.Add(new[] { Pop() }); break;                  // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new[] { a, b }); break; }           // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'N': stack.Add(null); break;                        // NONE
                case 0x88: stack.Add(true); break;                             // NEWTRUE
                case 0x89: stack.Add(false); break;                            // NEWFALSE
                case (byte)'K': stack.Add((long)Take(1)[0]); break;            // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;  // BININT
                case 0x8A:                                                     // LONG1: n-byte two's complement
                {
                    int n = Take(1)[0];
                    if (n > 8) throw Bad($"an integer of {n} bytes (more than 64 bits)");
                    var digits = Take(n);
                    long value = 0;
                    for (int i = n - 1; i >= 0; i--) value = (value << 8) | digits[i];
                    if (n is > 0 and < 8 && (digits[n - 1] & 0x80) != 0) value -= 1L << (8 * n);
                    stack.Add(value);
                    break;
                }
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': stack.Add(Utf8(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break; // BINUNICODE
                case 0x8C: stack.Add(Utf8(Take(Take(1)[0]))); break;          // SHORT_BINUNICODE
                case 0x8D:                                                     // BINUNICODE8
                {
                    ulong length = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                    stack.Add(Utf8(Take(length > int.MaxValue ? -1 : (long)length)));
                    break;
                }
                case (byte)'q': Memoize(Take(1)[0]); break;                    // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: Memoize(memo.Count); break;                         // MEMOIZE
                case (byte)'h': stack.Add(Recall(Take(1)[0])); break;          // BINGET
                case (byte)'j': stack.Add(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                case (byte)'c': stack.Add(Allowed(Line(), Line(), Bad)); break; // GLOBAL
                case 0x93:                                                     // STACK_GLOBAL
                {
                    if (Pop() is not string name || Pop() is not string module) throw Bad("STACK_GLOBAL without module and name strings");
                    stack.Add(Allowed(module, name, Bad));
                    break;
                }
                case (byte)'Q': stack.Add(PersistentStorage(Pop(), Bad)); break; // BINPERSID
                case (byte)'R':                                                // REDUCE
                {
                    var args = Pop() as object?[] ?? throw Bad("REDUCE arguments are not a tuple");
                    stack.Add(Reduce(Pop(), args, Bad));
                    break;
                }
                case (byte)'b':                                                // BUILD: only the attributes of a dict (torch's _metadata)
                {
                    var state = Pop();
                    if (Peek() is not PickleDict || state is not (null or PickleDict))
                        throw Bad($"BUILD of {Describe(Peek())} (a state dict sets only a dict's attributes)");
                    break;
                }
                case (byte)'s':                                                // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    (Peek() as PickleDict ?? throw Bad("SETITEM on something that is not a dict")).Items.Add(new(key, value));
                    break;
                }
                case (byte)'u':                                                // SETITEMS
                {
                    var pairs = PopToMark();
                    SetItems(Peek() as PickleDict ?? throw Bad("SETITEMS on something that is not a dict"), pairs);
                    break;
                }
                case (byte)'a': { var item = Pop(); (Peek() as List<object?> ?? throw Bad("APPEND to something that is not a list")).Add(item); break; }
                case (byte)'e': { var items = PopToMark(); (Peek() as List<object?> ?? throw Bad("APPENDS to something that is not a list")).AddRange(items); break; }
                case (byte)'.':                                                // STOP
                {
                    var result = Pop();
                    return Flatten(result, Bad);
                }
                default:
                    throw Bad($"pickle opcode 0x{op:X2} ('{(op is >= 0x20 and < 0x7F ? (char)op : '?')}') is not one a state dict needs");
            }
        }
    }

    private static Global Allowed(string module, string name, Func<string, InvalidDataException> bad)
    {
        bool ok = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor" or "_rebuild_parameter") => true,
            ("torch", _) => StorageTypes.ContainsKey(name),
            _ => false,
        };
        if (!ok)
            throw bad($"refers to {Mpt.Serialization.ErrorText.OneLine(module)}.{Mpt.Serialization.ErrorText.OneLine(name)}, which a state dict of tensors does not need (only collections.OrderedDict, " +
                "torch._utils._rebuild_tensor_v2/_rebuild_parameter and torch.*Storage are allowed, as torch.load(weights_only=True) does)");
        return new Global(module, name);
    }

    private static StorageRecord PersistentStorage(object? pid, Func<string, InvalidDataException> bad)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage" || t[1] is not Global type || t[2] is not string key
            || t[3] is not string || t[4] is not long count)
            throw bad("a persistent id is not ('storage', storage type, key, location, numel)");
        if (type.Module != "torch" || !StorageTypes.TryGetValue(type.Name, out var dtype))
            throw bad($"storage type {type} is not one a state dict uses");
        if (count < 0) throw bad($"storage '{key}' claims {count} elements");
        return new StorageRecord(dtype, type.Name, key, count);
    }

    private static object Reduce(object? callable, object?[] args, Func<string, InvalidDataException> bad)
    {
        if (callable is not Global g) throw bad($"REDUCE of {Describe(callable)}, which is not a callable global");
        switch (g.Name)
        {
            case "OrderedDict" when args.Length == 0:
                return new PickleDict();
            case "OrderedDict" when args.Length == 1 && args[0] is IEnumerable<object?> pairs:   // OrderedDict([(key, value), ...]); PyBridge writes OrderedDict(())
                var dict = new PickleDict();
                foreach (var pair in pairs)
                    dict.Items.Add(pair is object?[] { Length: 2 } kv ? new(kv[0], kv[1]) : throw bad("OrderedDict of something that is not (key, value) pairs"));
                return dict;
            case "_rebuild_tensor_v2" when args.Length is >= 6 and <= 7:
            case "_rebuild_tensor" when args.Length == 4:
                if (args[0] is not StorageRecord storage || args[1] is not long offset || args[2] is not object?[] size || args[3] is not object?[] stride)
                    throw bad($"{g} arguments are not (storage, offset, size, stride, ...)");
                if (args.Length > 4 && args[4] is not bool) throw bad($"{g} requires_grad is not a bool");
                return Tensor(storage, offset, Integers(size, "size", bad), Integers(stride, "stride", bad), bad);
            case "_rebuild_parameter" when args.Length == 3 && args[0] is TensorRecord data:
                return data;
            default:
                throw bad($"REDUCE of {g} with {args.Length} arguments, which a state dict does not contain");
        }
    }

    private static long[] Integers(object?[] values, string what, Func<string, InvalidDataException> bad) =>
        [.. values.Select(v => v is long l && l >= 0 ? l : throw bad($"a tensor {what} holds {Describe(v)}, not a non-negative integer"))];

    /// <summary>Checks that the view lies inside its storage: offset + Σ (size_i − 1)·stride_i &lt; numel (an empty view is anywhere).</summary>
    private static TensorRecord Tensor(StorageRecord storage, long offset, long[] shape, long[] stride, Func<string, InvalidDataException> bad)
    {
        string view = $"size [{string.Join(",", shape)}], stride [{string.Join(",", stride)}], offset {offset}";
        if (shape.Length != stride.Length) throw bad($"a tensor has {view}: size and stride differ in length");
        if (offset < 0) throw bad($"a tensor has {view}: negative offset");
        // Even an empty tensor (a 0 size) gets its strides computed by libtorch from the other sizes.
        if (ClaimedShape.ElementCount(shape, 1) is null) throw bad($"a tensor with {view} has a negative size or overflows 64-bit indexing");
        if (shape.All(s => s > 0))
        {
            try
            {
                long last = offset;
                for (int i = 0; i < shape.Length; i++) last = checked(last + (shape[i] - 1) * stride[i]);
                if (last >= storage.ElementCount)
                    throw bad($"a tensor with {view} reaches element {last} of storage '{storage.Key}', which holds {storage.ElementCount}");
            }
            catch (OverflowException) { throw bad($"a tensor with {view} overflows 64-bit indexing"); }
        }
        return new TensorRecord(storage, offset, shape, stride);
    }

    private static IReadOnlyList<KeyValuePair<string, TensorRecord>> Flatten(object? result, Func<string, InvalidDataException> bad)
    {
        if (result is not PickleDict dict) throw bad($"the pickle holds {Describe(result)}, not a state dict");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<KeyValuePair<string, TensorRecord>>();
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name || value is not TensorRecord tensor)
                throw bad($"not a flat state dict of tensors: entry {Describe(key)} ({Describe(value)})");
            if (seen.TryGetValue(name, out int index)) entries[index] = new(name, tensor); // a repeated key: the last wins, as in Python
            else
            {
                seen[name] = entries.Count;
                entries.Add(new(name, tensor));
            }
        }
        return entries;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{Mpt.Serialization.ErrorText.OneLine(s.Length <= 60 ? s : s[..60] + "...")}'",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TensorRecord => "a tensor",
        StorageRecord => "a storage",
        PickleDict => "a dict",
        Global g => g.ToString(),
        object?[] => "a tuple",
        List<object?> => "a list",
        _ => value.GetType().Name,
    };
}

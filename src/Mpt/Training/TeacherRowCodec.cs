using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace Mpt.Training;

/// <summary>
/// The byte form of a <see cref="TeacherRow"/> in a <see cref="DiskTeacherRowStore"/> record (little-endian):
/// <c>kind</c> (u8: 0 full scores, 1 top-k), <c>stacks</c> (i32, −1 = none), per stack <c>prompt_length</c> (i32),
/// <c>layers</c> (i32) and one u8 per layer (1 = stored); then every tensor in <see cref="TeacherRow.Tensors"/> order as
/// <c>dtype</c> (u8, TorchSharp's <see cref="ScalarType"/> code), <c>ndim</c> (u8), <c>shape</c> (i64 × ndim) and its
/// values. Decoding checks every length against the payload, so a damaged record cannot become a wrong tensor.
/// </summary>
internal static class TeacherRowCodec
{
    private static readonly ScalarType[] Allowed = [ScalarType.Float32, ScalarType.BFloat16, ScalarType.Int32, ScalarType.Int64, ScalarType.Bool];

    /// <summary>The bytes of <paramref name="row"/> (its tensors on any device; copied to the CPU).</summary>
    public static byte[] Encode(TeacherRow row)
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer))
        {
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the teacher-cache file is defined on little-endian values.");
            w.Write((byte)(row.TopK is null ? 0 : 1));
            w.Write(row.Stacks?.Count ?? -1);
            foreach (var stack in row.Stacks ?? [])
            {
                w.Write(stack.PromptLength);
                w.Write(stack.States.Length);
                foreach (var state in stack.States) w.Write((byte)(state is null ? 0 : 1));
            }
            foreach (var tensor in row.Tensors())
            {
                using var cpu = tensor.detach().cpu().contiguous();
                w.Write((byte)cpu.dtype);
                w.Write((byte)cpu.dim());
                foreach (long size in cpu.shape) w.Write(size);
                w.Write(cpu.bytes);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Decodes a row into new CPU tensors (in the caller's dispose scope).</summary>
    /// <exception cref="InvalidDataException">The bytes do not hold a well-formed row.</exception>
    public static TeacherRow Decode(ReadOnlySpan<byte> payload)
    {
        var r = new Reader(payload);
        byte kind = r.Byte();
        if (kind > 1) throw new InvalidDataException($"unknown score kind {kind}.");
        int stackCount = r.Int32();
        if (stackCount < -1 || stackCount > 16) throw new InvalidDataException($"implausible stack count {stackCount}.");
        var layout = new List<(int PromptLength, bool[] Stored)>();
        for (int i = 0; i < stackCount; i++)
        {
            int promptLength = r.Int32(), layers = r.Int32();
            if (promptLength < 0 || layers < 1 || layers > 1024) throw new InvalidDataException($"stack {i}: implausible prompt length {promptLength} or layer count {layers}.");
            var stored = new bool[layers];
            for (int k = 0; k < layers; k++) stored[k] = r.Byte() != 0;
            layout.Add((promptLength, stored));
        }
        Tensor? logits = null;
        TeacherTopK? topK = null;
        if (kind == 0) logits = r.Tensor();
        else topK = new TeacherTopK(r.Tensor(), r.Tensor(), r.Tensor());
        List<CachedStack>? stacks = stackCount < 0 ? null : [];
        foreach (var (promptLength, stored) in layout)
        {
            var mask = r.Tensor();
            var states = new Tensor?[stored.Length];
            for (int k = 0; k < stored.Length; k++) states[k] = stored[k] ? r.Tensor() : null;
            stacks!.Add(new CachedStack(states, mask, promptLength));
        }
        if (!r.AtEnd) throw new InvalidDataException($"{payload.Length - r.Position} bytes left after the row.");
        return new TeacherRow(logits, topK, stacks);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position == _data.Length;

        public byte Byte() => Take(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public Tensor Tensor()
        {
            var dtype = (ScalarType)Byte();
            if (!Allowed.Contains(dtype)) throw new InvalidDataException($"unsupported tensor dtype code {(int)dtype}.");
            int ndim = Byte();
            if (ndim > 4) throw new InvalidDataException($"implausible tensor rank {ndim}.");
            var shape = new long[ndim];
            long count = 1;
            for (int i = 0; i < ndim; i++)
            {
                shape[i] = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
                if (shape[i] < 0 || shape[i] > int.MaxValue) throw new InvalidDataException($"implausible tensor size {shape[i]}.");
                count *= shape[i];
            }
            int elementSize = dtype switch { ScalarType.Float32 or ScalarType.Int32 => 4, ScalarType.BFloat16 => 2, ScalarType.Int64 => 8, _ => 1 };
            if (count * elementSize > _data.Length - Position)
                throw new InvalidDataException($"a tensor of {count} values runs past the record's end.");
            var tensor = torch.empty(shape, dtype);
            Take((int)(count * elementSize)).CopyTo(tensor.bytes);
            return tensor;
        }

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n > _data.Length - Position) throw new InvalidDataException("the record ends early.");
            var span = _data.Slice(Position, n);
            Position += n;
            return span;
        }
    }
}

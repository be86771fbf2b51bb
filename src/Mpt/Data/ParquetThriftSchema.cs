using static Mpt.Data.ThriftType;

namespace Mpt.Data;

/// <summary>Thrift compact-protocol type codes, as a field header's low nibble and a list header's element type.</summary>
internal enum ThriftType
{
    /// <summary>A bool field whose value is true (the value sits in the field header); also the bool element type.</summary>
    Bool = 1,

    /// <summary>A bool field whose value is false.</summary>
    BoolFalse = 2,

    /// <summary>i8: one byte.</summary>
    I8 = 3,

    /// <summary>i16: a zigzag varint.</summary>
    I16 = 4,

    /// <summary>i32 and every enum: a zigzag varint.</summary>
    I32 = 5,

    /// <summary>i64: a zigzag varint.</summary>
    I64 = 6,

    /// <summary>double: eight little-endian bytes.</summary>
    F64 = 7,

    /// <summary>binary and string: a varint length, then the bytes.</summary>
    Binary = 8,

    /// <summary>A list header (size and element type), then the elements.</summary>
    List = 9,

    /// <summary>Fields, then a STOP byte.</summary>
    Struct = 12,
}

/// <summary>Names of the compact-protocol type codes, for messages.</summary>
internal static class ThriftTypes
{
    /// <summary>The Thrift name of a header's type code (1 to 12), or the number of an unknown one.</summary>
    public static string Name(int code) => code switch
    {
        1 or 2 => "bool", 3 => "i8", 4 => "i16", 5 => "i32", 6 => "i64", 7 => "double", 8 => "binary", 9 => "list",
        10 => "set", 11 => "map", 12 => "struct", _ => $"type {code}",
    };
}

/// <summary>What parquet.thrift declares for one field: its type, and for a list its element type or struct, for a
/// struct the struct.</summary>
internal sealed record ThriftField(ThriftType Type, ThriftType Element = 0, ThriftStruct? Struct = null)
{
    public static implicit operator ThriftField(ThriftType type) => new(type);

    public static implicit operator ThriftField(ThriftStruct schema) => new(ThriftType.Struct, Struct: schema);

    /// <summary>The schema of one element of this list.</summary>
    public ThriftField ElementField => new(Element, Struct: Struct);

    /// <summary>Whether a header's type code is this field's type (a bool has two codes, one for each value).</summary>
    public bool Declares(int code) => code == (int)Type || (Type == ThriftType.Bool && code == (int)ThriftType.BoolFalse);

    /// <summary>A list of <paramref name="element"/> values.</summary>
    public static ThriftField ListOf(ThriftType element) => new(ThriftType.List, element);

    /// <summary>A list of <paramref name="element"/> structs.</summary>
    public static ThriftField ListOf(ThriftStruct element) => new(ThriftType.List, ThriftType.Struct, element);

    public override string ToString() => Type switch
    {
        ThriftType.List when Struct is { } s => $"list<{s.Name}>",
        ThriftType.List => $"list<{ThriftTypes.Name((int)Element)}>",
        ThriftType.Struct => Struct!.Name,
        _ => ThriftTypes.Name((int)Type),
    };
}

/// <summary>A Thrift struct's known fields by id; ids not in the table are unknown to the reader and skipped.</summary>
internal sealed class ThriftStruct(string name, params (short Id, ThriftField Field)[] fields)
{
    private readonly Dictionary<short, ThriftField> _fields = fields.ToDictionary(f => f.Id, f => f.Field);

    /// <summary>The struct's name in parquet.thrift, for messages.</summary>
    public string Name { get; } = name;

    /// <summary>The field with this id, or null when the reader does not know the id.</summary>
    public ThriftField? Field(short id) => _fields.GetValueOrDefault(id);
}

/// <summary>
/// The Thrift structs of a Parquet footer (FileMetaData) and of a page header (PageHeader), and everything they nest, as
/// apache/parquet-format's parquet.thrift declares them: exactly the fields that Parquet.Net 6.1.0's generated reader
/// (Parquet.Meta) knows. That reader reads a known field by its id, as the type parquet.thrift gives it, whatever type its
/// header declares, so <see cref="ParquetFooter"/> checks each known field's header against this table; a field the
/// reader does not know it skips by the header's type, and so does the walker. A field id added to parquet.thrift after
/// 6.1.0 must stay out of the table while Parquet.Net skips it. Structs that neither walk reaches (ColumnIndex,
/// OffsetIndex, BloomFilterHeader, FileCryptoMetaData) are left out; leaves come first so each table is built before a
/// struct that nests it.
/// </summary>
internal static class ParquetThriftSchema
{
    private static ThriftStruct Empty(string name) => new(name);

    public static readonly ThriftStruct Statistics = new("Statistics",
        (1, Binary), (2, Binary), (3, I64), (4, I64), (5, Binary), (6, Binary), (7, Bool), (8, Bool));

    public static readonly ThriftStruct SizeStatistics = new("SizeStatistics",
        (1, I64), (2, ThriftField.ListOf(I64)), (3, ThriftField.ListOf(I64)));

    public static readonly ThriftStruct BoundingBox = new("BoundingBox",
        (1, F64), (2, F64), (3, F64), (4, F64), (5, F64), (6, F64), (7, F64), (8, F64));

    public static readonly ThriftStruct GeospatialStatistics = new("GeospatialStatistics",
        (1, BoundingBox), (2, ThriftField.ListOf(I32)));

    public static readonly ThriftStruct DecimalType = new("DecimalType", (1, I32), (2, I32));

    public static readonly ThriftStruct TimeUnit = new("TimeUnit",
        (1, Empty("MilliSeconds")), (2, Empty("MicroSeconds")), (3, Empty("NanoSeconds")));

    public static readonly ThriftStruct TimestampType = new("TimestampType", (1, Bool), (2, TimeUnit));

    public static readonly ThriftStruct TimeType = new("TimeType", (1, Bool), (2, TimeUnit));

    public static readonly ThriftStruct IntType = new("IntType", (1, I8), (2, Bool));

    public static readonly ThriftStruct LogicalType = new("LogicalType",
        (1, Empty("StringType")), (2, Empty("MapType")), (3, Empty("ListType")), (4, Empty("EnumType")), (5, DecimalType),
        (6, Empty("DateType")), (7, TimeType), (8, TimestampType), (10, IntType), (11, Empty("NullType")),
        (12, Empty("JsonType")), (13, Empty("BsonType")), (14, Empty("UUIDType")), (15, Empty("Float16Type")),
        (16, new ThriftStruct("VariantType", (1, I8))), (17, new ThriftStruct("GeometryType", (1, Binary))),
        (18, new ThriftStruct("GeographyType", (1, Binary), (2, I32))));

    public static readonly ThriftStruct SchemaElement = new("SchemaElement",
        (1, I32), (2, I32), (3, I32), (4, Binary), (5, I32), (6, I32), (7, I32), (8, I32), (9, I32), (10, LogicalType));

    public static readonly ThriftStruct KeyValue = new("KeyValue", (1, Binary), (2, Binary));

    public static readonly ThriftStruct PageEncodingStats = new("PageEncodingStats", (1, I32), (2, I32), (3, I32));

    public static readonly ThriftStruct ColumnMetaData = new("ColumnMetaData",
        (1, I32), (2, ThriftField.ListOf(I32)), (3, ThriftField.ListOf(Binary)), (4, I32), (5, I64), (6, I64), (7, I64),
        (8, ThriftField.ListOf(KeyValue)), (9, I64), (10, I64), (11, I64), (12, Statistics),
        (13, ThriftField.ListOf(PageEncodingStats)), (14, I64), (15, I32), (16, SizeStatistics), (17, GeospatialStatistics));

    public static readonly ThriftStruct ColumnCryptoMetaData = new("ColumnCryptoMetaData",
        (1, Empty("EncryptionWithFooterKey")),
        (2, new ThriftStruct("EncryptionWithColumnKey", (1, ThriftField.ListOf(Binary)), (2, Binary))));

    public static readonly ThriftStruct ColumnChunk = new("ColumnChunk",
        (1, Binary), (2, I64), (3, ColumnMetaData), (4, I64), (5, I32), (6, I64), (7, I32), (8, ColumnCryptoMetaData),
        (9, Binary));

    public static readonly ThriftStruct SortingColumn = new("SortingColumn", (1, I32), (2, Bool), (3, Bool));

    public static readonly ThriftStruct RowGroup = new("RowGroup",
        (1, ThriftField.ListOf(ColumnChunk)), (2, I64), (3, I64), (4, ThriftField.ListOf(SortingColumn)), (5, I64), (6, I64),
        (7, I16));

    public static readonly ThriftStruct ColumnOrder = new("ColumnOrder", (1, Empty("TypeDefinedOrder")));

    /// <summary>AesGcmV1 and AesGcmCtrV1 have the same fields.</summary>
    private static ThriftStruct AesGcm(string name) => new(name, (1, Binary), (2, Binary), (3, Bool));

    public static readonly ThriftStruct EncryptionAlgorithm = new("EncryptionAlgorithm",
        (1, AesGcm("AesGcmV1")), (2, AesGcm("AesGcmCtrV1")));

    /// <summary>The footer.</summary>
    public static readonly ThriftStruct FileMetaData = new("FileMetaData",
        (1, I32), (2, ThriftField.ListOf(SchemaElement)), (3, I64), (4, ThriftField.ListOf(RowGroup)),
        (5, ThriftField.ListOf(KeyValue)), (6, Binary), (7, ThriftField.ListOf(ColumnOrder)), (8, EncryptionAlgorithm),
        (9, Binary));

    public static readonly ThriftStruct DataPageHeader = new("DataPageHeader",
        (1, I32), (2, I32), (3, I32), (4, I32), (5, Statistics));

    public static readonly ThriftStruct DictionaryPageHeader = new("DictionaryPageHeader", (1, I32), (2, I32), (3, Bool));

    public static readonly ThriftStruct DataPageHeaderV2 = new("DataPageHeaderV2",
        (1, I32), (2, I32), (3, I32), (4, I32), (5, I32), (6, I32), (7, Bool), (8, Statistics));

    /// <summary>The header before each page.</summary>
    public static readonly ThriftStruct PageHeader = new("PageHeader",
        (1, I32), (2, I32), (3, I32), (4, I32), (5, DataPageHeader), (6, Empty("IndexPageHeader")), (7, DictionaryPageHeader),
        (8, DataPageHeaderV2));
}

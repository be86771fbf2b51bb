namespace Mpt;

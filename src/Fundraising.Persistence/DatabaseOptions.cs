using System.ComponentModel.DataAnnotations;

namespace Fundraising.Persistence;

/// <summary>Where the system of record lives. Bound from <c>ConnectionStrings:Fundraising</c>.</summary>
public sealed class DatabaseOptions
{
    [Required(ErrorMessage = "ConnectionStrings:Fundraising is required: the PostgreSQL connection string.")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply pending migrations at start. On by default; every host takes an advisory lock first.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

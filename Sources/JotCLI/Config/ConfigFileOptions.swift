public import ArgumentParser

/// `--config FILE`: the configuration file every command reads (see ``JotConfiguration``).
public struct ConfigFileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The JSON configuration file (env JOT_CONFIG; default jot.json in the current directory, if present). "
                + "Flags win over the environment, which wins over the file.",
            valueName: "file"
        )
    )
    public var config: String?

    public init() {}
}

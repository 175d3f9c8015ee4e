from agentft.cli.app import main

main()
